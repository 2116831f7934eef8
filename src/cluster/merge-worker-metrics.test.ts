import { describe, expect, it } from 'vitest';
import { mergeWorkerMetrics } from './merge-worker-metrics.ts';

describe('mergeWorkerMetrics', () => {
  it('labels every sample with its worker and keeps each family together under one HELP and TYPE', () => {
    const w = (n: number) =>
      [
        '# HELP a_total Requests',
        '# TYPE a_total counter',
        `a_total{model="m"} ${n}`,
        '# HELP h_seconds Time',
        '# TYPE h_seconds histogram',
        `h_seconds_bucket{le="+Inf"} ${n}`,
        `h_seconds_sum ${n}`,
        `h_seconds_count ${n}`,
        `up{} 1`,
        '',
      ].join('\n');
    const merged = mergeWorkerMetrics([
      { worker: 1, text: w(1) },
      { worker: 2, text: w(2) },
    ]);
    expect(merged.split('\n')).toEqual([
      '# HELP a_total Requests',
      '# TYPE a_total counter',
      'a_total{worker="1",model="m"} 1',
      'a_total{worker="2",model="m"} 2',
      '# HELP h_seconds Time',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{worker="1",le="+Inf"} 1',
      'h_seconds_sum{worker="1"} 1',
      'h_seconds_count{worker="1"} 1',
      'h_seconds_bucket{worker="2",le="+Inf"} 2',
      'h_seconds_sum{worker="2"} 2',
      'h_seconds_count{worker="2"} 2',
      'up{worker="1"} 1',
      'up{worker="2"} 1',
      '',
    ]);
  });
});
