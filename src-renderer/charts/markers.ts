import type { Chart, Plugin } from 'chart.js';

/** A vertical line across a chart at `x`, with a short label at its top: a cancel or a resume. */
export interface ChartMarker {
  x: number;
  label: string;
  /** A CSS variable of the theme (e.g. '--danger') or a colour. */
  color: string;
}

function resolveColor(color: string): string {
  if (!color.startsWith('--')) return color;
  return getComputedStyle(document.documentElement).getPropertyValue(color).trim() || '#888';
}

/** Draws the markers `read()` gives after the lines, so they sit on top; markers outside the x range are skipped. */
export function markerPlugin(read: () => ChartMarker[]): Plugin<'line'> {
  return {
    id: 'runMarkers',
    afterDatasetsDraw(chart: Chart<'line'>) {
      const markers = read();
      const scale = chart.scales.x;
      if (!markers.length || !scale) return;
      const { ctx, chartArea } = chart;
      ctx.save();
      ctx.lineWidth = 1;
      ctx.setLineDash([4, 3]);
      ctx.font = '10px system-ui, sans-serif';
      markers.forEach((marker, index) => {
        const px = scale.getPixelForValue(marker.x);
        if (!Number.isFinite(px) || px < chartArea.left - 0.5 || px > chartArea.right + 0.5) return;
        const color = resolveColor(marker.color);
        ctx.strokeStyle = color;
        ctx.fillStyle = color;
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        // Alternate rows, so a cancel and the resume at the same epoch keep both labels readable.
        ctx.fillText(marker.label, px + 3, chartArea.top + 10 + (index % 2) * 11);
      });
      ctx.restore();
    },
  };
}
