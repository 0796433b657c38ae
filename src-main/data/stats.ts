/** How many images of each class a split holds, indexed like the class list. */
export function countPerClass(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < numClasses)) throw new Error(`countPerClass: label ${label} at index ${i} is outside 0..${numClasses - 1}`);
    counts[label]++;
  }
  return counts;
}

export interface ChannelStats {
  /** Per-channel mean of the pixels scaled to [0, 1]. */
  mean: number[];
  /** Per-channel population standard deviation, same scale. */
  std: number[];
}

/**
 * Per-channel mean and std of uint8 HWC pixels, in one pass. The float64 accumulators sum raw byte
 * values and their squares, integers that stay exact below 2^53 (~130 G pixels per channel), so
 * var = E[x²] - E[x]² suffers no accumulated rounding.
 */
export function channelStats(images: Uint8Array, channels: number): ChannelStats {
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`channelStats: channels must be a positive integer, got ${channels}`);
  if (images.length % channels !== 0) throw new Error(`channelStats: ${images.length} bytes is not a whole number of ${channels}-channel pixels`);
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  let ch = 0;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    sum[ch] += v;
    sumSq[ch] += v * v;
    if (++ch === channels) ch = 0;
  }
  const perChannel = images.length / channels;
  if (perChannel === 0) throw new Error('channelStats: no pixels to measure');
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = sum[c] / perChannel;
    const variance = Math.max(0, sumSq[c] / perChannel - m * m);
    mean.push(m / 255);
    std.push(Math.sqrt(variance) / 255);
  }
  return { mean, std };
}
