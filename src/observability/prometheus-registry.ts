/**
 * A small Prometheus registry on web-standard APIs, so every runtime exposes the
 * same metrics (prom-client needs Node's http, fs and zlib). Text format 0.0.4.
 */
type Labels = Readonly<Record<string, string>>;

interface Family {
  render(): string;
}

export interface Counter<L extends string> {
  inc(labels: Record<L, string>, by?: number): void;
  /** One series, its labels resolved once: for a caller that counts on it per request. */
  child(labels: Record<L, string>): { inc(by?: number): void };
}
export interface Gauge<L extends string> {
  set(labels: Record<L, string>, value: number): void;
  add(labels: Record<L, string>, by: number): void;
  /** Drops every series (a gauge rebuilt from live state at each scrape). */
  reset(): void;
}
export interface Histogram<L extends string> {
  observe(labels: Record<L, string>, value: number): void;
  /** One series, its labels resolved once. */
  child(labels: Record<L, string>): { observe(value: number): void };
}

export interface Registry {
  counter<L extends string>(name: string, help: string, labels: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labels: readonly L[]): Gauge<L>;
  histogram<L extends string>(name: string, help: string, labels: readonly L[], buckets: readonly number[]): Histogram<L>;
  /** Runs before each render: gauges read from live state are set here, not on the request path. */
  collect(fn: () => void): void;
  render(): string;
}

export function createRegistry(): Registry {
  const families: Family[] = [];
  const collectors: (() => void)[] = [];
  const scalar = (name: string, help: string, type: 'counter' | 'gauge', labelNames: readonly string[]) => {
    const values = new Map<string, { labels: Labels; v: number }>();
    families.push({
      render: () => header(name, help, type) + [...values.values()].map((s) => `${name}${labelText(labelNames, s.labels)} ${fmt(s.v)}\n`).join(''),
    });
    const seriesOf = (labels: Labels) => {
      const k = seriesKey(labelNames, labels);
      let s = values.get(k);
      if (!s) values.set(k, (s = { labels: { ...labels }, v: 0 }));
      return s;
    };
    const bump = (labels: Labels, update: (old: number) => number) => {
      const s = seriesOf(labels);
      s.v = update(s.v);
    };
    return Object.assign(bump, { clear: () => values.clear(), seriesOf });
  };
  return {
    counter(name, help, labelNames) {
      const bump = scalar(name, help, 'counter', labelNames);
      return {
        inc: (labels, by = 1) => bump(labels, (v) => v + by),
        child(labels) {
          const s = bump.seriesOf(labels);
          return {
            inc: (by = 1) => {
              s.v += by;
            },
          };
        },
      };
    },
    gauge(name, help, labelNames) {
      const bump = scalar(name, help, 'gauge', labelNames);
      return { set: (labels, value) => bump(labels, () => value), add: (labels, by) => bump(labels, (v) => v + by), reset: bump.clear };
    },
    histogram(name, help, labelNames, buckets) {
      // counts per bucket, not cumulative: an observation bumps one slot; render sums them
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
      families.push({
        render: () =>
          header(name, help, 'histogram') +
          [...series.values()]
            .map((s) => {
              let out = '';
              let cumulative = 0;
              buckets.forEach((b, i) => {
                cumulative += s.counts[i] as number;
                out += `${name}_bucket${labelText([...labelNames, 'le'], { ...s.labels, le: fmt(b) })} ${cumulative}\n`;
              });
              out += `${name}_bucket${labelText([...labelNames, 'le'], { ...s.labels, le: '+Inf' })} ${s.count}\n`;
              const k = labelText(labelNames, s.labels);
              return `${out}${name}_sum${k} ${fmt(s.sum)}\n${name}_count${k} ${s.count}\n`;
            })
            .join(''),
      });
      type Series = { labels: Labels; counts: number[]; sum: number; count: number };
      const seriesOf = (labels: Labels): Series => {
        const k = seriesKey(labelNames, labels);
        let s = series.get(k);
        if (!s) series.set(k, (s = { labels: { ...labels }, counts: buckets.map(() => 0), sum: 0, count: 0 }));
        return s;
      };
      const add = (s: Series, value: number) => {
        let i = 0;
        while (i < buckets.length && value > (buckets[i] as number)) i++;
        if (i < buckets.length) (s.counts[i] as number)++;
        s.sum += value;
        s.count++;
      };
      return {
        observe: (labels, value) => add(seriesOf(labels), value),
        child(labels) {
          const s = seriesOf(labels);
          return { observe: (value) => add(s, value) };
        },
      };
    },
    collect: (fn) => void collectors.push(fn),
    render: () => {
      for (const c of collectors) c();
      return families.map((f) => f.render()).join('');
    },
  };
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

/** A series' map key: its label values in label order (escaped only when rendered, not per observation). */
function seriesKey(names: readonly string[], labels: Labels): string {
  let k = '';
  for (let i = 0; i < names.length; i++) k += (i ? '\u0000' : '') + (labels[names[i] as string] ?? '');
  return k;
}

function labelText(names: readonly string[], labels: Labels): string {
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escape(labels[n] ?? '')}"`).join(',')}}`;
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function fmt(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}
