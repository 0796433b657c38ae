// Times the shipped tfjs-backend-wasm kernels against the ones from
// src-main/engine/wasm on ResNet-20 CIFAR shapes (batch 128), then a full
// forward+backward of a conv/bn/relu stack. Run: npx tsx bench/wasm-kernels.ts
import * as tf from '@tensorflow/tfjs-core';
import '../src-main/engine/gradients'; // tfjs-core's Node bundle registers no gradients
import '@tensorflow/tfjs-backend-wasm';
import type { KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../src-main/engine/wasm';

const BATCH = 128;
const REPEATS = Number(process.env.REPEATS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of one direct call of a kernel function (output disposed each time). */
function timeKernel(config: KernelConfig | undefined, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): number | undefined {
  if (config === undefined) return undefined;
  const backend = tf.backend() as KernelBackend;
  const once = () => {
    const t0 = performance.now();
    const out = config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
    backend.disposeData(out.dataId);
    return performance.now() - t0;
  };
  once(); // warm-up: XNNPACK operator creation, heap growth
  return median(Array.from({ length: REPEATS }, once));
}

function timeOp(f: () => tf.Tensor): number {
  const once = () => {
    const t0 = performance.now();
    tf.dispose(tf.tidy(f));
    return performance.now() - t0;
  };
  once();
  return median(Array.from({ length: REPEATS }, once));
}

interface Row { kernel: string; shape: string; old?: number; now: number; noOld?: string }
const rows: Row[] = [];
const fmt = (ms?: number) => (ms === undefined ? 'missing' : ms.toFixed(ms < 1 ? 3 : 1));

await tf.setBackend('wasm');
const NAMES = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput', 'Tile', 'BatchMatMul'];
const shipped = Object.fromEntries(NAMES.map((n) => [n, tf.getKernel(n, 'wasm')]));
registerWasmTrainingKernels();
const ours = Object.fromEntries(NAMES.map((n) => [n, tf.getKernel(n, 'wasm')]));

function compare(kernel: string, shape: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): void {
  const old = timeKernel(shipped[kernel], inputs, attrs);
  const now = timeKernel(ours[kernel], inputs, attrs)!;
  rows.push({ kernel, shape, old, now });
}

// Conv layers of ResNet-20 on CIFAR: [in HxW, cin, cout, stride, k].
const convs: Array<[number, number, number, number, number]> = [
  [32, 16, 16, 1, 3], [32, 16, 32, 2, 3], [32, 16, 32, 2, 1], [16, 32, 32, 1, 3],
  [16, 32, 64, 2, 3], [8, 64, 64, 1, 3],
];
for (const [hw, cin, cout, s, k] of convs) {
  const x = tf.randomNormal([BATCH, hw, hw, cin]);
  const w = tf.randomNormal([k, k, cin, cout]);
  const dy = tf.randomNormal([BATCH, hw / s, hw / s, cout]);
  const attrs = { strides: [s, s], pad: 'same', dataFormat: 'NHWC' } as unknown as NamedAttrMap;
  const shape = `${hw}x${hw}x${cin}->${cout} ${k}x${k}/${s}`;
  compare('Conv2DBackpropFilter', shape, { x, dy }, { ...attrs, filterShape: [k, k, cin, cout] });
  compare('Conv2DBackpropInput', shape, { dy, filter: w }, { ...attrs, inputShape: [BATCH, hw, hw, cin] });
  tf.dispose([x, w, dy]);
}
for (const [hw, c, s] of [[32, 16, 1], [16, 32, 2]]) {
  const x = tf.randomNormal([BATCH, hw, hw, c]);
  const w = tf.randomNormal([3, 3, c, 1]);
  const dy = tf.randomNormal([BATCH, hw / s, hw / s, c]);
  const attrs = { strides: [s, s], pad: 'same', dilations: [1, 1] } as unknown as NamedAttrMap;
  const shape = `${hw}x${hw}x${c} 3x3/${s}`;
  compare('DepthwiseConv2dNativeBackpropFilter', shape, { x, dy }, { ...attrs, filterShape: [3, 3, c, 1] });
  compare('DepthwiseConv2dNativeBackpropInput', shape, { dy, filter: w }, { ...attrs, inputShape: [BATCH, hw, hw, c] });
  tf.dispose([x, w, dy]);
}
for (const [hw, c] of [[32, 16], [16, 32], [8, 64]]) {
  const x = tf.randomNormal([1, 1, 1, c]);
  compare('Tile', `[1,1,1,${c}] -> [${BATCH},${hw},${hw},${c}]`, { x }, { reps: [BATCH, hw, hw, 1] });
  const zeros = tf.zeros([BATCH, hw, hw, c]);
  rows.push({ kernel: 'Tile as Add(x, zeros) (alternative)', shape: `[1,1,1,${c}] -> [${BATCH},${hw},${hw},${c}]`, now: timeOp(() => tf.add(x, zeros)), noOld: '-' });
  tf.dispose([x, zeros]);
}
for (const [m, k, n] of [[64, BATCH, 10], [BATCH, 10, 64], [256, 1024, 256], [16, 8192, 16]]) {
  // transposeA: a is [k, m] (dense dW = xT . dy); transposeB: b is [n, k] (dense dX = dy . wT).
  const aT = tf.randomNormal([k, m]);
  const b = tf.randomNormal([k, n]);
  compare('BatchMatMul', `A^T: [${k},${m}]^T x [${k},${n}]`, { a: aT, b }, { transposeA: true, transposeB: false });
  const a = tf.randomNormal([m, k]);
  const bT = tf.randomNormal([n, k]);
  compare('BatchMatMul', `B^T: [${m},${k}] x [${n},${k}]^T`, { a, b: bT }, { transposeA: false, transposeB: true });
  tf.dispose([aT, b, a, bT]);
}

const kw = Math.max(...rows.map((r) => r.kernel.length));
const sw = Math.max(...rows.map((r) => r.shape.length));
console.log(`wasm backend, batch ${BATCH}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, ` +
  `threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off'}, median of ${REPEATS} (ms per call)`);
console.log(`${'kernel'.padEnd(kw)}  ${'shape'.padEnd(sw)}  ${'old ms'.padStart(9)}  ${'new ms'.padStart(9)}  speedup`);
for (const r of rows) {
  const speedup = r.old === undefined ? '' : `${(r.old / r.now).toFixed(1)}x`;
  console.log(`${r.kernel.padEnd(kw)}  ${r.shape.padEnd(sw)}  ${(r.noOld ?? fmt(r.old)).padStart(9)}  ${fmt(r.now).padStart(9)}  ${speedup}`);
}

// Full training step of a conv/bn/relu stack (ResNet-20 stage layout, one block per stage).
function stack(batch: number): () => tf.Tensor[] {
  const layers: Array<[number, number, number]> = [[3, 16, 1], [16, 16, 1], [16, 32, 2], [32, 32, 1], [32, 64, 2], [64, 64, 1]];
  const vars = layers.flatMap(([cin, cout]) => [
    tf.variable(tf.mul(tf.randomNormal([3, 3, cin, cout]), Math.sqrt(2 / (9 * cin)))),
    tf.variable(tf.ones([cout])), tf.variable(tf.zeros([cout])),
  ]);
  const dense = tf.variable(tf.mul(tf.randomNormal([64, 10]), 0.1));
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  const loss = (): tf.Scalar => {
    let h: tf.Tensor4D = x as tf.Tensor4D;
    layers.forEach(([, , s], i) => {
      const c = tf.conv2d(h, vars[3 * i] as tf.Tensor4D, s, 'same');
      const { mean, variance } = tf.moments(c, [0, 1, 2]);
      h = tf.relu(tf.batchNorm(c, mean, variance, vars[3 * i + 2], vars[3 * i + 1], 1e-3)) as tf.Tensor4D;
    });
    const logits = tf.matMul(tf.mean(h, [1, 2]), dense);
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
  };
  return () => {
    const { value, grads } = tf.variableGrads(loss);
    return [value, ...Object.values(grads)];
  };
}

const step = stack(BATCH);
const stepMs = timeOp(() => step()[0]);
console.log(`\nconv/bn/relu stack (6 conv3x3+bn+relu, 32x32 input) forward+backward, batch ${BATCH}: ` +
  `${stepMs.toFixed(0)} ms/step = ${((BATCH * 1000) / stepMs).toFixed(0)} images/s (new kernels; ` +
  `the shipped kernels cannot run it: no Conv2DBackpropFilter)`);

// Same stack with the shipped Conv2DBackpropInput/Tile/BatchMatMul put back
// (only the missing kernels from us), to show what the replacements buy.
for (const n of ['Conv2DBackpropInput', 'Tile', 'BatchMatMul']) {
  tf.unregisterKernel(n, 'wasm');
  tf.registerKernel(shipped[n]!);
}
const oldMs = timeOp(() => step()[0]);
console.log(`same stack with shipped Conv2DBackpropInput/Tile/BatchMatMul: ${oldMs.toFixed(0)} ms/step = ` +
  `${((BATCH * 1000) / oldMs).toFixed(0)} images/s`);
