// Node 20 is the supported runtime on our hosts (see package.json engines); the SDK's upgrade notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config';
import { StackSettingsError } from '../config/stack-settings';
import { EXIT } from './output';
import { registerArchiveCommands } from './archive';
import { registerBackfillCommands } from './backfill';
import { registerDashboardCommand } from './dashboard';
import { registerIngestCommands } from './ingest';
import { registerMainJobCommand } from './main-job';
import { registerRejectsCommands } from './rejects';
import { registerReportCommands } from './report';
import { registerRestProxyCommand } from './rest-proxy';
import { registerScheduleCommands } from './schedule';
import { registerSeedCommand } from './seed';
import { registerSimulateCommands } from './simulate';
import { registerStackCommands } from './stack';
import { registerTopicsCommands } from './topics';
import { registerWorkerCommand } from './worker';

/** Help and --version end the program normally; anything else commander rejects is bad usage. */
function exitOnCommanderError(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
}

const program = new Command();
program
  .name('museum-etl')
  .description('Kiosk events from Kafka and S3 into PostgreSQL, orchestrated by Temporal')
  .version(require('../../package.json').version)
  .showHelpAfterError('(add --help for usage)')
  // Subcommands registered below inherit this: every usage error, in every command, exits 2.
  .exitOverride(exitOnCommanderError)
  .addHelpText(
    'after',
    '\nExamples:\n  $ museum-etl up                 # the whole pipeline on the embedded stack\n  $ museum-etl stack status',
  );

registerMainJobCommand(program);
registerStackCommands(program);
registerWorkerCommand(program);
registerSeedCommand(program);
registerSimulateCommands(program);
registerIngestCommands(program);
registerArchiveCommands(program);
registerBackfillCommands(program);
registerScheduleCommands(program);
registerDashboardCommand(program);
registerRestProxyCommand(program);
registerRejectsCommands(program);
registerReportCommands(program);
registerTopicsCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  const badConfig = err instanceof ConfigError || err instanceof StackSettingsError;
  process.exit(badConfig ? EXIT.usage : EXIT.failed);
});
