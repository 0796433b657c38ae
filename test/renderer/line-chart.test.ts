import { cleanup, render } from '@testing-library/svelte';
import { Chart } from 'chart.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import LineChart from '../../src-renderer/charts/LineChart.svelte';
import { markerPlugin } from '../../src-renderer/charts/markers';
import type { ChartSeries } from '../../src-renderer/lib/series';
import { drawableCanvas } from './fake-canvas';

const line = (n: number, offset: number) => Array.from({ length: n }, (_, i) => ({ x: i + 1, y: offset + Math.sqrt(i) / 20 }));

describe('LineChart', () => {
  beforeEach(() => drawableCanvas());
  afterEach(() => cleanup());

  it('hands chart.js the point arrays themselves, without animation or parsing, and decimates long series', () => {
    const points = line(200, 0.5);
    const { container } = render(LineChart, { props: { title: 'Test top-1', series: [{ label: 'a', color: 'red', points }], xLabel: 'epoch', yLabel: 'top-1', percent: true } });
    const chart = Chart.getChart(container.querySelector('canvas')!)!;
    expect(chart.data.datasets[0].data).toBe(points);
    expect(chart.options.animation).toBe(false);
    expect(chart.options.parsing).toBe(false);
    expect(chart.options.plugins?.decimation).toMatchObject({ enabled: true, algorithm: 'lttb' });
  });

  it('redraws in place when the series change, and is destroyed with the component', async () => {
    const series: ChartSeries[] = [{ label: 'a', color: 'red', points: line(3, 0) }];
    const view = render(LineChart, { props: { title: 't', series, xLabel: 'x', yLabel: 'y' } });
    const canvas = view.container.querySelector('canvas')!;
    const chart = Chart.getChart(canvas)!;
    const update = vi.spyOn(chart, 'update');
    await view.rerender({ series: [...series, { label: 'b', color: 'blue', points: line(3, 1) }] });
    expect(Chart.getChart(canvas)).toBe(chart);
    expect(update).toHaveBeenCalledWith('none');
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['a', 'b']);
    cleanup();
    expect(Chart.getChart(canvas)).toBeUndefined();
  });

  it('draws a mean ± std band as a filled area between two unlined edges', () => {
    const series: ChartSeries[] = [
      { label: 'lo', color: 'red', points: line(5, 0), noLine: true, inLegend: false },
      { label: 'hi', color: 'red', points: line(5, 0.1), noLine: true, fillToPrevious: true, inLegend: false },
      { label: 'mean', color: 'red', points: line(5, 0.05) },
    ];
    const { container } = render(LineChart, { props: { title: 't', series, xLabel: 'x', yLabel: 'y' } });
    const chart = Chart.getChart(container.querySelector('canvas')!) as Chart<'line'>;
    expect(chart.data.datasets.map((d) => [d.fill, d.borderWidth])).toEqual([
      [false, 0],
      ['-1', 0],
      [false, 1.6],
    ]);
  });

  it('takes 50 runs × 200 epochs as 50 datasets over the same arrays, and decimates only long step curves', () => {
    const series = Array.from({ length: 50 }, (_, i) => ({ label: `#${i}`, color: 'red', points: line(200, i / 100) }));
    const steps = line(5000, 0);
    const a = render(LineChart, { props: { title: 'Test top-1', series, xLabel: 'epoch', yLabel: 'top-1' } });
    const b = render(LineChart, { props: { title: 'Loss by step', series: [{ label: 'loss', color: 'red', points: steps }], xLabel: 'step', yLabel: 'loss' } });
    const top1 = Chart.getChart(a.container.querySelector('canvas')!)!;
    expect(top1.data.datasets).toHaveLength(50);
    expect(top1.data.datasets.every((d, i) => d.data === series[i].points)).toBe(true);
    const loss = Chart.getChart(b.container.querySelector('canvas')!)!.data.datasets[0] as unknown as { _data: unknown; data: unknown[] };
    expect(loss._data).toBe(steps);
    expect(loss.data.length).toBeLessThanOrEqual(500);
  });

  it('widens its x range to every marker: a resume at step 0 on a curve logged from step 10', () => {
    const points = line(5, 0).map((p) => ({ ...p, x: p.x * 10 }));
    const view = render(LineChart, {
      props: { title: 't', series: [{ label: 'a', color: 'red', points }], xLabel: 'step', yLabel: 'y', markers: [{ x: 0, label: 'resumed', color: 'green' }, { x: 70, label: 'cancelled', color: 'red' }] },
    });
    const chart = Chart.getChart(view.container.querySelector('canvas')!)!;
    expect(chart.scales.x.min).toBeLessThanOrEqual(0);
    expect(chart.scales.x.max).toBeGreaterThanOrEqual(70);
  });

  it('draws a vertical line and a label for each marker inside the x range', () => {
    const view = render(LineChart, {
      props: { title: 't', series: [{ label: 'a', color: 'red', points: line(30, 0) }], xLabel: 'step', yLabel: 'y', markers: [{ x: 10, label: 'cancelled', color: 'red' }] },
    });
    const chart = Chart.getChart(view.container.querySelector('canvas')!)!;
    expect(chart.config.plugins.map((p) => p.id)).toContain('runMarkers');
    const calls: unknown[][] = [];
    const ctx = new Proxy({}, { get: (_, key) => (key === 'save' || key === 'restore' || typeof key === 'symbol' ? () => undefined : (...args: unknown[]) => calls.push([key, ...args])), set: () => true });
    const fake = { ctx, chartArea: { left: 0, right: 300, top: 5, bottom: 200 }, scales: { x: { getPixelForValue: (v: number) => v * 10 } } };
    const plugin = markerPlugin(() => [
      { x: 10, label: 'cancelled', color: 'red' },
      { x: 8, label: 'resumed', color: 'green' },
      { x: 99, label: 'outside', color: 'red' },
    ]);
    (plugin.afterDatasetsDraw as unknown as (c: unknown) => void)(fake);
    expect(calls.filter((c) => c[0] === 'fillText').map((c) => [c[1], c[2]])).toEqual([
      ['cancelled', 103],
      ['resumed', 83],
    ]);
    expect(calls.filter((c) => c[0] === 'lineTo')).toEqual([
      ['lineTo', 100, 200],
      ['lineTo', 80, 200],
    ]);
  });

  it('gives its picture for the report', () => {
    const view = render(LineChart, { props: { title: 't', series: [], xLabel: 'x', yLabel: 'y' } });
    const chart = view.component as unknown as { toPNG(): string | null };
    expect(chart.toPNG()).toBe('data:image/png;base64,AAAA');
  });
});
