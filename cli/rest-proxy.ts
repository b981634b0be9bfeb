import type { Command } from 'commander';
import { ConfigError } from '../config';
import { startRestProxy } from '../rest-proxy/server';
import { commandLogger, loadConfigOrExit } from './context';
import { EXIT, fail } from './output';

export function registerRestProxyCommand(program: Command): void {
  program
    .command('rest-proxy')
    .description(
      "accept records over HTTP in the Kafka REST Proxy's v2 produce API (POST /topics/{topic}) and write them to Kafka",
    )
    .option('--host <address>', 'address to listen on (default REST_PROXY_HOST or 127.0.0.1)')
    .option('--port <n>', 'port to listen on, 0 picks a free one (default REST_PROXY_PORT or 8082)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ museum-etl rest-proxy',
        '  $ curl -X POST -H "Content-Type: application/vnd.kafka.json.v2+json" \\',
        '      --data \'{"records":[{"value":{"foo":"bar"}}]}\' http://127.0.0.1:8082/topics/lmnh',
        '  $ REST_PROXY_TOKEN=$(openssl rand -hex 24) museum-etl rest-proxy --host 0.0.0.0',
        '',
        'It writes only to REST_PROXY_TOPICS (default KAFKA_TOPIC and the PINTEREST_TOPIC_* topics) and',
        'answers 200 only after every replica in sync has the records (acks=all). Off loopback it needs',
        'REST_PROXY_TOKEN (Authorization: Bearer) or REST_PROXY_USERS (basic auth; hashes from',
        '`museum-etl dashboard hash-password`). Metrics: GET /metrics. See docs/rest-proxy.md.',
      ].join('\n'),
    )
    .action(async (opts: { host?: string; port?: string }) => {
      if (opts.port !== undefined && (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535)) {
        fail(`--port must be a whole number 0..65535, got ${JSON.stringify(opts.port)}`, EXIT.usage);
      }
      const config = loadConfigOrExit();
      const logger = commandLogger(config, 'rest-proxy');
      const host = opts.host ?? config.restProxy.host;
      const port = opts.port !== undefined ? Number(opts.port) : config.restProxy.port;
      let proxy;
      try {
        proxy = await startRestProxy(config, { host, port, logger });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (err instanceof ConfigError) fail(e.message, EXIT.usage);
        if (e.code === 'EADDRINUSE')
          fail(`port ${port} on ${host} is already in use; try --port`, EXIT.usage);
        if (e.code === 'EADDRNOTAVAIL') fail(`cannot listen on ${host}: no such local address`, EXIT.usage);
        fail(e.message, EXIT.unavailable);
      }
      console.log(
        `REST proxy: ${proxy.url} (topics ${config.restProxy.topics.join(', ')}). Stop with Ctrl-C.`,
      );
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      logger.info({ signal }, 'rest proxy stopping');
      await proxy.close();
      console.log('REST proxy stopped.');
    });
}
