import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/catalogue';
import { uniqueName } from '../support/env';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

/** A port the kernel has just handed out and released, so nothing else holds it now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const alive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;

describe('two workers on one host', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('share the metrics port: the second warns and runs without metrics instead of exiting', async () => {
    const port = await freePort();
    const queue = uniqueName('scale-out');
    const env = { METRICS_PORT: String(port) };
    const first = spawnWorkerProcess(queue, env);
    workers.push(first);
    const metrics = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
        return res?.ok ? res.text() : null;
      },
      (text) => text !== null,
      { timeoutMs: 90_000, what: 'the first worker to serve metrics' },
    );
    expect(metrics).toMatch(/temporal_/);

    const second = spawnWorkerProcess(`${queue}-2`, env);
    workers.push(second);
    const log = () => Promise.resolve(fs.readFileSync(second.logFile, 'utf8'));
    await waitFor(log, (text) => text.includes('metrics port'), {
      timeoutMs: 90_000,
      what: 'the second worker to warn about the taken metrics port',
    });
    // Give a worker that would crash on the bind (the old behaviour) time to do so.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(alive(first)).toBe(true);
    expect(alive(second), fs.readFileSync(second.logFile, 'utf8')).toBe(true);
    expect(fs.readFileSync(second.logFile, 'utf8')).toMatch(/METRICS_PORT/);
  });
});
