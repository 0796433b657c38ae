import type { ImageSet } from '../../src-main/data/batches';
import { Rng } from '../../shared/rng';

/**
 * A small generated 10-class image set: sinusoidal gratings at 5 orientations and 2 frequencies,
 * random phase and additive noise. A texture task that a small CNN learns in a few epochs.
 */
export function gratings(count: number, seed: number, side = 28, channels = 1): ImageSet {
  const rng = new Rng(seed);
  const pixels = side * side * channels;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % 10;
    labels[n] = label;
    const angle = ((label % 5) * Math.PI) / 5;
    const freq = label < 5 ? 0.35 : 0.9;
    const phase = rng.next() * 2 * Math.PI;
    const [dx, dy] = [Math.cos(angle) * freq, Math.sin(angle) * freq];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const v = 0.5 + 0.35 * Math.sin(dx * x + dy * y + phase) + 0.25 * (rng.next() - 0.5);
        for (let c = 0; c < channels; c++) {
          images[n * pixels + (y * side + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
        }
      }
    }
  }
  const mean = Array(channels).fill(0.5);
  const std = Array(channels).fill(0.27);
  return { images, labels, shape: [side, side, channels], numClasses: 10, mean, std };
}
