/** Small helpers so every command prints tables and JSON the same way. */
export function printTable(rows: Array<Record<string, unknown>>, columns?: string[]): void {
  if (rows.length === 0) {
    console.log('(nothing to show)');
    return;
  }
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(cols.map((c) => c.toUpperCase())));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Exit codes: 0 ok, 1 the operation failed, 2 bad usage or configuration, 3 a dependency is unavailable. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

export function fail(message: string, code: number = EXIT.failed): never {
  console.error(`error: ${message}`);
  process.exit(code);
}

/** The extract, transform and load activities of a long-running workflow, as `… status` prints them. */
export function printStageTable(
  stages: Record<
    'extract' | 'transform' | 'load',
    { runs: number; retries: number; lastMs: number | null; totalMs: number }
  >,
): void {
  printTable(
    (['extract', 'transform', 'load'] as const).map((stage) => {
      const s = stages[stage];
      return {
        stage,
        runs: s.runs,
        retries: s.retries,
        last_ms: s.lastMs ?? '-',
        mean_ms: s.runs ? Math.round(s.totalMs / s.runs) : '-',
      };
    }),
  );
}
