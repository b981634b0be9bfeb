import { Command, InvalidArgumentError } from 'commander';
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
