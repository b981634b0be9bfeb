import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log only warnings and errors, so failures stay readable.
Runtime.install({ logger: new DefaultLogger('WARN') });
