/**
 * Enough of a 2D canvas for chart.js to lay out and "draw" into nothing, and to hand back a PNG,
 * so a view's charts exist in jsdom (stubCanvas in fake-client.ts is the quiet alternative).
 */
export function drawableCanvas(png = 'data:image/png;base64,AAAA'): void {
  HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
    return fakeContext(this);
  } as unknown as typeof HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.toDataURL = () => png;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}

function fakeContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const state: Record<string | symbol, unknown> = { canvas };
  return new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key];
      // Not array-like (chart.js unwraps array-likes), everything else a no-op method.
      if (typeof key === 'symbol' || key === 'length' || /^\d+$/.test(key)) return undefined;
      if (key === 'measureText') return (text: string) => ({ width: text.length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 });
      return () => undefined;
    },
    set(target, key, value) {
      target[key] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}
