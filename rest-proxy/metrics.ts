/**
 * The proxy's Prometheus metrics in the text exposition format. The worker's metrics go through the
 * Temporal runtime's meter, which only exists inside activities, so the proxy keeps its own.
 */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

const labelText = (labels: Labels): string => {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
  );
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(labels: Labels, n = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + n);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, v] of this.values) lines.push(`${this.name}${labels} ${v}`);
    return lines;
  }
}

class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: LATENCY_BUCKETS_S.map(() => 0), sum: 0, count: 0 }));
    LATENCY_BUCKETS_S.forEach((le, i) => {
      if (seconds <= le) s.counts[i]!++;
    });
    s.sum += seconds;
    s.count++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      LATENCY_BUCKETS_S.forEach((le, i) =>
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`),
      );
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class ProxyMetrics {
  readonly requests = new Counter(
    'museum_rest_proxy_requests_total',
    'HTTP requests answered, by route and status',
  );
  readonly records = new Counter(
    'museum_rest_proxy_records_produced_total',
    'Records acknowledged by Kafka, by topic',
  );
  readonly latency = new Histogram(
    'museum_rest_proxy_request_duration_seconds',
    'Time to answer a request, by route',
  );

  /** Route is the pattern (`/topics/{topic}`), never the path, so topic names cannot grow the series. */
  recordRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.add({ route, method, status: String(status) });
    this.latency.observe({ route, method }, seconds);
  }

  render(): string {
    return [...this.requests.render(), ...this.records.render(), ...this.latency.render(), ''].join('\n');
  }
}
