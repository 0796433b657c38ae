import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { Rng } from '../../../shared/rng';

/**
 * The forward of fakeQuant (fake-quant.ts) as one pass over the data, for the CPU-side backends.
 * Composed of tfjs ops it takes about a dozen full passes per quantized activation; here it is one
 * loop that writes the value, the inside mask and the per-element step-size gradient together.
 * Every operation is rounded to float32 in the same order as the composed ops, so both give the same bits.
 */
export const FAKE_QUANT_KERNEL = 'TemperFakeQuant';

/** 0: LSQ (q), 1: tempered (q + λ|e|ξ), 2: pseudo-quantization noise (ū + n). */
export type FakeQuantMode = 0 | 1 | 2;

export interface FakeQuantAttrs {
  qn: number;
  qp: number;
  mode: FakeQuantMode;
  lambda: number;
  /** Without a noise input, modes 1 and 2 draw U(-halfWidth, halfWidth) from Rng(noiseSeed). */
  noiseSeed: number;
  noiseHalfWidth: number;
}

/** Reused for in-place noise draws, so a step allocates no noise buffers. */
let scratch = new Float32Array(0);

function drawnNoise(size: number, { noiseSeed, noiseHalfWidth }: FakeQuantAttrs): Float32Array {
  if (scratch.length < size) scratch = new Float32Array(size);
  return new Rng(noiseSeed).fillUniform(scratch.subarray(0, size), -noiseHalfWidth, noiseHalfWidth);
}

/**
 * Fills value, inside (1/0) and perElement (∂v̂/∂s per element before g) from x and s.
 * Branch-light on purpose: with random data a comparison branch mispredicts half the time, and
 * Math.round / min / max are several times slower than floor and comparisons in V8 here.
 * Infinities and NaN come out as the composed ops give them. Math.fround is called directly: V8 inlines
 * it only then.
 */
function fakeQuantLoop(x: Float32Array, s: number, noise: Float32Array | null, attrs: FakeQuantAttrs, value: Float32Array, inside: Float32Array, perElement: Float32Array): void {
  const { qn, qp, mode } = attrs;
  const lambda = Math.fround(attrs.lambda);
  const low = -qn;
  for (let i = 0; i < x.length; i++) {
    const u = Math.fround(x[i] / s);
    const below = +(u < low);
    const above = +(u > qp);
    // Out-of-range values are the rare case, so this branch predicts well.
    const clipped = below + above === 0 ? u : below ? low : qp;
    let y: number;
    if (mode === 2) {
      y = Math.fround(clipped + noise![i]);
    } else {
      // tf.round sends ties to the even neighbour.
      const floor = Math.floor(clipped);
      const fraction = clipped - floor;
      const q = floor + (+(fraction > 0.5) | (+(fraction === 0.5) & (floor & 1)));
      y = mode === 1 ? Math.fround(q + Math.fround(Math.fround(Math.abs(Math.fround(q - clipped)) * noise![i]) * lambda)) : q;
    }
    const isInside = +(u > low) & +(u < qp);
    value[i] = Math.fround(s * y);
    inside[i] = isInside;
    // Inside, clipped is u: y − u. Outside, clipped is finite and the product is 0: y.
    perElement[i] = Math.fround(y - clipped * isInside);
  }
}

function noiseValues(noise: tf.TensorInfo | undefined, read: (t: tf.TensorInfo) => Float32Array, size: number, attrs: FakeQuantAttrs): Float32Array | null {
  if (attrs.mode === 0) return null;
  return noise ? read(noise) : drawnNoise(size, attrs);
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

export function checkFakeQuantInputs(x: tf.TensorInfo, step: tf.TensorInfo, noise: tf.TensorInfo | undefined, attrs: FakeQuantAttrs): void {
  const where = `Error in ${FAKE_QUANT_KERNEL}`;
  if (x.dtype !== 'float32' || step.dtype !== 'float32') throw new Error(`${where}: x and step must be float32`);
  if (attrs.mode !== 0 && noise === undefined && !(Number.isInteger(attrs.noiseSeed) && attrs.noiseSeed >= 0)) {
    throw new Error(`${where}: mode ${attrs.mode} needs a noise tensor or a noiseSeed ≥ 0, got ${attrs.noiseSeed}`);
  }
  if (noise !== undefined && noise.shape.join() !== x.shape.join()) {
    throw new Error(`${where}: noise shape [${noise.shape}] must match x shape [${x.shape}]`);
  }
}

function cpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const cpu = backend as MathBackendCPU;
  const { x, step, noise } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as FakeQuantAttrs;
  checkFakeQuantInputs(x, step, noise, a);
  const read = (t: tf.TensorInfo) => cpu.data.get(t.dataId).values as Float32Array;
  const outputs = [new Float32Array(x.shape.reduce((n, d) => n * d, 1)), new Float32Array(0), new Float32Array(0)];
  outputs[1] = new Float32Array(outputs[0].length);
  outputs[2] = new Float32Array(outputs[0].length);
  fakeQuantLoop(read(x), read(step)[0], noiseValues(noise, read, outputs[0].length, a), a, outputs[0], outputs[1], outputs[2]);
  return outputs.map((values) => cpu.makeTensorInfo(x.shape, 'float32', values));
}

function wasmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const wasm = backend as BackendWasm;
  const { x, step, noise } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as FakeQuantAttrs;
  checkFakeQuantInputs(x, step, noise, a);
  const outputs = [0, 1, 2].map(() => wasm.makeOutput(x.shape, 'float32'));
  // Views only after every allocation: growing the wasm heap detaches earlier views.
  const view = (t: tf.TensorInfo) => wasm.typedArrayFromHeap(t) as Float32Array;
  const size = view(x).length;
  fakeQuantLoop(view(x), view(step)[0], noiseValues(noise, view, size, a), a, view(outputs[0]), view(outputs[1]), view(outputs[2]));
  return outputs;
}

tf.registerKernel({ kernelName: FAKE_QUANT_KERNEL, backendName: 'cpu', kernelFunc: cpuKernel as unknown as tf.KernelFunc });
tf.registerKernel({ kernelName: FAKE_QUANT_KERNEL, backendName: 'wasm', kernelFunc: wasmKernel as unknown as tf.KernelFunc });

/** True where the active backend has the fused kernel (GPU backends compose it from ops). */
export function hasFusedFakeQuant(): boolean {
  return tf.getKernel(FAKE_QUANT_KERNEL, tf.getBackend()) !== undefined;
}

/** [value, inside mask, per-element step gradient] in one kernel call. */
export function runFusedFakeQuant(x: tf.Tensor, step: tf.Tensor, noise: tf.Tensor | undefined, attrs: FakeQuantAttrs): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = noise ? { x, step, noise } : { x, step };
  return tf.engine().runKernel(FAKE_QUANT_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/**
 * The backward of fakeQuant in one pass, on backends that have it (onednn): [dy·inside, Σ dy·perElement].
 * The composed ops take three passes and two full-size temporaries.
 */
export const FAKE_QUANT_GRAD_KERNEL = 'TemperFakeQuantGrad';

export function hasFusedFakeQuantGrad(): boolean {
  return tf.getKernel(FAKE_QUANT_GRAD_KERNEL, tf.getBackend()) !== undefined;
}

/** [∂L/∂v, Σ dy·perElement (∂L/∂s before g)]. */
export function runFusedFakeQuantGrad(dy: tf.Tensor, inside: tf.Tensor, perElement: tf.Tensor): [tf.Tensor, tf.Scalar] {
  return tf.engine().runKernel(FAKE_QUANT_GRAD_KERNEL, { dy, inside, perElement }) as [tf.Tensor, tf.Scalar];
}

// Differentiable in dy, for Hessian-vector products by double backprop; the saved masks are data.
tf.registerGradient({
  kernelName: FAKE_QUANT_GRAD_KERNEL,
  inputsToSave: ['inside', 'perElement'],
  gradFunc: (dys, saved) => {
    const [ddx, dsum] = dys as tf.Tensor[];
    const [inside, perElement] = saved;
    return {
      dy: () => tf.add(tf.mul(ddx, inside), tf.mul(dsum, perElement)),
      inside: () => tf.zerosLike(inside),
      perElement: () => tf.zerosLike(perElement),
    };
  },
});
