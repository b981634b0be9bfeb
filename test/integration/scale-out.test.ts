import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/catalogue';
import { connectTemporalClient } from '../../worker/connections';
import { healthCheckWorkflow } from '../../workflows/health-check';
import { stackConfig, uniqueName } from '../support/env';
import { spawnWorkerProcess, type WorkerProcess } from '../support/processes';

/**
 * A free port below the kernel's ephemeral range: an outgoing connection never takes one of those
 * on its own, so it stays free between this check and the worker's bind (a port the kernel had
 * just handed out to `listen(0)` could go to any new connection in between).
 */
async function freePort(): Promise<number> {
  const [ephemeralMin] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
  const top = Math.min(Number(ephemeralMin ?? 32768), 32768) - 1;
  for (let tries = 0; tries < 200; tries++) {
    const port = top - 2000 + Math.floor(Math.random() * 2000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer().once('error', () => resolve(false));
      server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${top - 2000}..${top}`);
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
    // The exporter answers 200 with an empty page as soon as it is bound, before the worker has
    // recorded a metric: wait for the worker's own metrics, not for the port.
    const metrics = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => null);
        return res?.ok ? res.text() : '';
      },
      (text) => /temporal_/.test(text),
      { timeoutMs: 90_000, what: 'the first worker to serve its metrics' },
    );
    expect(metrics).toMatch(/temporal_/);

    const second = spawnWorkerProcess(`${queue}-2`, env);
    workers.push(second);
    const log = () => Promise.resolve(fs.readFileSync(second.logFile, 'utf8'));
    await waitFor(log, (text) => text.includes('metrics port'), {
      timeoutMs: 90_000,
      what: 'the second worker to warn about the taken metrics port',
    });
    // The positive signal: the second worker, past the bind that used to crash it, runs a workflow.
    const client = await connectTemporalClient(stackConfig());
    try {
      const report = await client.workflow.execute(healthCheckWorkflow, {
        taskQueue: `${queue}-2`,
        workflowId: uniqueName('scale-out-health'),
      });
      expect(report).toBeDefined();
    } finally {
      await client.connection.close();
    }
    expect(alive(first)).toBe(true);
    expect(alive(second), fs.readFileSync(second.logFile, 'utf8')).toBe(true);
    expect(fs.readFileSync(second.logFile, 'utf8')).toMatch(/METRICS_PORT/);
  });
});
