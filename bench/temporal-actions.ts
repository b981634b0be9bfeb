import { loadStackSettings } from '../config/stack-settings';

/**
 * Temporal actions as the dev server counts them: its `action` counter (labelled by action_type:
 * activity scheduled, heartbeat, timer, signal, query, workflow started...) for one namespace,
 * read from the server's own metrics endpoint. Temporal Cloud bills the same unit.
 */
export async function temporalActions(
  namespace: string,
): Promise<{ total: number; byType: Map<string, number> }> {
  const port = loadStackSettings().ports.temporalMetrics;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`Temporal metrics on :${port} answered HTTP ${res.status}`);
  // Prometheus labels the namespace with underscores for dashes.
  const label = `namespace="${namespace.replace(/-/g, '_')}"`;
  const byType = new Map<string, number>();
  let total = 0;
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('action{') || !line.includes(label)) continue;
    const n = Number(line.slice(line.lastIndexOf(' ') + 1));
    const type = /action_type="([^"]+)"/.exec(line)?.[1] ?? '?';
    byType.set(type, (byType.get(type) ?? 0) + n);
    total += n;
  }
  return { total, byType };
}

/** Actions spent between two readings, by type. */
export function actionsSpent(
  before: Awaited<ReturnType<typeof temporalActions>>,
  after: Awaited<ReturnType<typeof temporalActions>>,
): { total: number; byType: string } {
  const parts: string[] = [];
  for (const [type, n] of after.byType) {
    const d = n - (before.byType.get(type) ?? 0);
    if (d > 0) parts.push(`${type.replace(/^(command_|grpc_)/, '')} ${d}`);
  }
  return { total: after.total - before.total, byType: parts.join(', ') };
}
