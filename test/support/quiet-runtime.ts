import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { isExpectedSdkWarning } from '../../worker/logger';

// Workers in tests log only warnings and errors, so failures stay readable.
const print = new DefaultLogger('WARN');
Runtime.install({
  logger: new DefaultLogger('WARN', (entry: LogEntry) => {
    if (!isExpectedSdkWarning(entry.message)) print.log(entry.level, entry.message, entry.meta);
  }),
});
