import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config';
import type { RestProxyTarget } from '../simulator/http-producer';
import { EXIT } from './output';

// Option parsing shared by the simulate commands: each parser throws InvalidArgumentError, which
// commander reports naming the option.

export function positiveInteger(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

export function positiveRate(value: string): number {
  const n = Number(value.replace(/\/s$/, ''));
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected events per second > 0.');
  return n;
}

export function fraction(value: string): number {
  const n = value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a fraction from 0 to 1 (or a percentage such as 15%).');
  }
  return n;
}

/**
 * Seeds 0..2^32-1 written in decimal are numbers (the random default is one, so a printed seed
 * replays); anything else is a string seed, hashed. `7` and `07` are therefore different seeds.
 */
export function seedOf(value: string): number | string {
  if (value === '') throw new InvalidArgumentError('the seed must not be empty.');
  return /^(0|[1-9]\d{0,9})$/.test(value) && Number(value) <= 0xffff_ffff ? Number(value) : value;
}

/** Commander's own usage errors (bad argument, unknown option) exit 2 like ours, per EXIT. */
export function usageExit(cmd: Command): Command {
  return cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.usage));
}

export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

/** `--via kafka|http`: produce directly, or post to the REST proxy (museum-etl rest-proxy). */
export function viaOption(): Option {
  return new Option(
    '--via <transport>',
    'kafka: produce directly; http: post to the Kafka REST proxy (museum-etl rest-proxy), ' +
      'bytes unchanged (binary embedded format), with REST_PROXY_TOKEN as Bearer token if set',
  )
    .choices(['kafka', 'http'])
    .default('kafka');
}

export function proxyUrlOption(): Option {
  return new Option(
    '--proxy-url <url>',
    'REST proxy for --via http (default http://REST_PROXY_HOST:REST_PROXY_PORT/)',
  ).argParser(nonEmpty);
}

/** The proxy `--via http` posts to: --proxy-url, else the configured rest-proxy address, with its token. */
export function restProxyTarget(config: Config, opts: { proxyUrl?: string }): RestProxyTarget {
  const { host, port, token } = config.restProxy;
  const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: opts.proxyUrl ?? `http://${local}:${port}/`,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}
