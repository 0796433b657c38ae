import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  ADAM_STEP_SLOT,
  createOptimizer,
  type Optimizer,
  type OptimizerConfig,
  type ParamRole,
  type SavedSlot,
  type TrainableParam,
} from '../../src-main/engine/optim';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sgd = (momentum: number, nesterov = false, weightDecay = 0): OptimizerConfig => ({
  kind: 'sgd',
  momentum,
  nesterov,
  weightDecay,
});
const adam = (weightDecay = 0): OptimizerConfig => ({
  kind: 'adam',
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay,
});

let nextId = 0;
function param(values: number[], role: ParamRole = 'weight'): TrainableParam {
  const name = `p${nextId++}`;
  return { name, variable: tf.variable(tf.tensor1d(values), true, name), role };
}

function values(p: TrainableParam): number[] {
  return Array.from(p.variable.dataSync());
}

/** getSlots() output as a checkpoint saves it (read asynchronously), for setSlots; disposes the tensors. */
async function saved(slots: Record<string, tf.Tensor>): Promise<Record<string, SavedSlot>> {
  const entries = await Promise.all(Object.entries(slots).map(async ([name, t]) => [name, { shape: t.shape, values: Float32Array.from(await t.data()) }] as const));
  tf.dispose(slots);
  return Object.fromEntries(entries);
}

/** One optimizer step with the given gradient values, keyed by variable name. */
function step(opt: Optimizer, lr: number, gradsByParam: [TrainableParam, number[]][]): void {
  const grads: Record<string, tf.Tensor> = {};
  for (const [p, g] of gradsByParam) grads[p.variable.name] = tf.tensor1d(g);
  opt.applyGradients(grads, lr);
  tf.dispose(grads);
}

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describe('sgd', () => {
  it('with momentum reproduces hand-computed updates', () => {
    const w = param([1, 2]);
    const opt = createOptimizer([w], sgd(0.9));
    step(opt, 0.1, [[w, [0.5, -1]]]);
    // buf = g = [0.5, -1]; w = [1 - 0.05, 2 + 0.1]
    expectClose(values(w), [0.95, 2.1]);
    step(opt, 0.1, [[w, [1, 1]]]);
    // buf = 0.9·[0.5, -1] + [1, 1] = [1.45, 0.1]; w = [0.95 - 0.145, 2.1 - 0.01]
    expectClose(values(w), [0.805, 2.09]);
    opt.dispose();
  });

  it('with nesterov steps by g + m·buf, unlike plain momentum', () => {
    const w = param([1, 2]);
    const opt = createOptimizer([w], sgd(0.9, true));
    step(opt, 0.1, [[w, [0.5, -1]]]);
    // buf = g; update = g + 0.9·g = [0.95, -1.9]
    expectClose(values(w), [0.905, 2.19]);
    step(opt, 0.1, [[w, [1, 1]]]);
    // buf = [1.45, 0.1]; update = [1, 1] + 0.9·buf = [2.305, 1.09]
    expectClose(values(w), [0.6745, 2.081]);
    opt.dispose();
  });

  it('without momentum is plain gradient descent and keeps no slots', () => {
    const w = param([1, 2]);
    const opt = createOptimizer([w], sgd(0));
    step(opt, 0.5, [[w, [1, 2]]]);
    expectClose(values(w), [0.5, 1]);
    expect(Object.keys(opt.getSlots())).toEqual([]);
    opt.dispose();
  });

  it('adds L2 weight decay to the gradient of weights only', () => {
    const params = (['weight', 'bias', 'bn', 'step'] as const).map((role) => param([1, 2], role));
    const opt = createOptimizer(params, sgd(0, false, 0.01));
    step(opt, 0.1, params.map((p): [TrainableParam, number[]] => [p, [0, 0]]));
    expectClose(values(params[0]), [0.999, 1.998]);
    for (const p of params.slice(1)) expect(values(p)).toEqual([1, 2]);
    opt.dispose();
  });

  it('leaves params without a gradient untouched', () => {
    const a = param([1]);
    const b = param([1]);
    const opt = createOptimizer([a, b], sgd(0.9, false, 0.1));
    step(opt, 0.1, [[a, [1]]]);
    expect(values(b)).toEqual([1]);
    opt.dispose();
  });
});

describe('adam', () => {
  it('reproduces hand-computed bias-corrected updates', () => {
    const w = param([1, -1]);
    const opt = createOptimizer([w], adam());
    step(opt, 0.01, [[w, [0.1, -0.2]]]);
    // t = 1: m̂ = g, v̂ = g², so the step is lr·sign(g).
    expectClose(values(w), [0.99, -0.99]);
    step(opt, 0.01, [[w, [0.3, 0.2]]]);
    const m = [0.9 * 0.01 + 0.1 * 0.3, 0.9 * -0.02 + 0.1 * 0.2];
    const v = [0.999 * 0.001 * 0.01 + 0.001 * 0.09, 0.999 * 0.001 * 0.04 + 0.001 * 0.04];
    const expected = [0, 1].map((i) => {
      const mHat = m[i] / (1 - 0.9 ** 2);
      const vHat = v[i] / (1 - 0.999 ** 2);
      return [0.99, -0.99][i] - (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8);
    });
    expectClose(values(w), expected);
    expect(opt.getSlots()[ADAM_STEP_SLOT].dataSync()[0]).toBe(2);
    opt.dispose();
  });

  it('decays weights decoupled from the moments (AdamW), and only role weight', () => {
    const weight = param([1, 2]);
    const bias = param([1, 2], 'bias');
    const opt = createOptimizer([weight, bias], adam(0.1));
    // A zero gradient leaves the moments at 0: only the decoupled decay w·(1 - lr·wd) moves w.
    step(opt, 0.01, [
      [weight, [0, 0]],
      [bias, [0, 0]],
    ]);
    expectClose(values(weight), [0.999, 1.998]);
    expect(values(bias)).toEqual([1, 2]);
    opt.dispose();
  });
});

describe.each([
  ['sgd', sgd(0.9, true, 1e-3)],
  ['adam', adam(1e-2)],
] as const)('%s', (_kind, config) => {
  function makeParams(): TrainableParam[] {
    return [
      { name: 'w', variable: tf.variable(tf.tensor2d([[1, -2], [0.5, 3]]), true), role: 'weight' },
      { name: 'b', variable: tf.variable(tf.tensor1d([0.1, -0.1]), true), role: 'bias' },
    ];
  }

  /** Gradients of a small loss that depends on the step, so each update differs. */
  function trainStep(params: TrainableParam[], opt: Optimizer, t: number): void {
    const [w, b] = params.map((p) => p.variable);
    const { value, grads } = tf.variableGrads(() => {
      const x = tf.tensor2d([[Math.sin(t), Math.cos(t)]]);
      return tf.sum(tf.square(tf.add(tf.matMul(x, w), b)));
    }, [w, b]);
    opt.applyGradients(grads, 0.05);
    tf.dispose([value, grads]);
  }

  it('keeps tf.memory().numTensors flat over 200 steps', () => {
    const params = makeParams();
    const opt = createOptimizer(params, config);
    trainStep(params, opt, 0);
    const before = tf.memory().numTensors;
    for (let t = 1; t <= 200; t++) trainStep(params, opt, t);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose(params.map((p) => p.variable));
  });

  it('resumes from getSlots/setSlots bit for bit like an uninterrupted run', async () => {
    const uninterrupted = makeParams();
    const optA = createOptimizer(uninterrupted, config);
    for (let t = 0; t < 10; t++) trainStep(uninterrupted, optA, t);

    const first = makeParams();
    const optB = createOptimizer(first, config);
    for (let t = 0; t < 5; t++) trainStep(first, optB, t);
    const slots = await saved(optB.getSlots());
    const resumed = first.map((p) => ({ ...p, variable: tf.variable(tf.clone(p.variable), true) }));
    optB.dispose();
    tf.dispose(first.map((p) => p.variable));

    const optC = createOptimizer(resumed, config);
    optC.setSlots(slots);
    for (let t = 5; t < 10; t++) trainStep(resumed, optC, t);

    resumed.forEach((p, i) => expect(p.variable.dataSync()).toEqual(uninterrupted[i].variable.dataSync()));
    const slotsA = optA.getSlots();
    const slotsC = optC.getSlots();
    expect(Object.keys(slotsC).sort()).toEqual(Object.keys(slotsA).sort());
    for (const name of Object.keys(slotsA)) expect(slotsC[name].dataSync()).toEqual(slotsA[name].dataSync());
    tf.dispose([slotsA, slotsC]);
    optA.dispose();
    optC.dispose();
  });

  it('rejects setSlots with a wrong name, a missing slot, a wrong shape or length, naming it', async () => {
    const params = makeParams();
    const opt = createOptimizer(params, config);
    const good = await saved(opt.getSlots());
    const names = Object.keys(good);
    const weightSlot = names.find((n) => n.startsWith('w/')) ?? '';
    const biasSlot = names.find((n) => n.startsWith('b/')) ?? '';
    const bogus = { shape: [2, 2], values: new Float32Array(4) };
    const badShape = { shape: [3], values: new Float32Array(3) };
    const badLength = { shape: [2], values: new Float32Array(3) };
    const missing = { ...good };
    delete missing[names[0]];

    expect(() => opt.setSlots({ ...good, 'w/bogus': bogus })).toThrow(
      new RegExp(`${config.kind}.setSlots: unknown slot 'w/bogus'; expected '`),
    );
    expect(() => opt.setSlots(missing)).toThrow(`${config.kind}.setSlots: missing slot '${names[0]}'`);
    expect(() => opt.setSlots({ ...good, [weightSlot]: badShape })).toThrow(
      `slot '${weightSlot}' has shape [3], expected [2,2]`,
    );
    expect(() => opt.setSlots({ ...good, [biasSlot]: badLength })).toThrow(
      `slot '${biasSlot}' has 3 values, its shape [2] holds 2`,
    );
    opt.dispose();
  });

  it('minimizes a quadratic bowl', () => {
    const target = tf.tensor1d([3, -2]);
    const curvature = tf.tensor1d([1, 10]);
    const w = tf.variable(tf.zeros([2]), true);
    // Role 'step' so no weight decay pulls the minimum away from target.
    const opt = createOptimizer([{ name: 'w', variable: w, role: 'step' }], {
      ...config,
      ...(config.kind === 'sgd' ? { momentum: 0.9 } : {}),
    });
    const lr = config.kind === 'sgd' ? 0.01 : 0.05;
    for (let t = 0; t < 1000; t++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(curvature, tf.square(tf.sub(w, target)))), [w]);
      opt.applyGradients(grads, lr);
      tf.dispose([value, grads]);
    }
    expectClose(Array.from(w.dataSync()), [3, -2], 2);
    opt.dispose();
    tf.dispose([target, curvature, w]);
  });
});

describe('adam setSlots', () => {
  it('rejects a step count that is not a whole number and changes nothing', async () => {
    const w = param([1, 2]);
    const opt = createOptimizer([w], adam());
    step(opt, 0.01, [[w, [0.1, 0.2]]]);
    const before = opt.getSlots();
    const moments = { shape: [2], values: Float32Array.of(1, 1) };
    const badStep = { shape: [], values: Float32Array.of(2.5) };
    const bad = { ...(await saved(opt.getSlots())), [`${w.name}/m`]: moments, [ADAM_STEP_SLOT]: badStep };
    expect(() => opt.setSlots(bad)).toThrow(`adam.setSlots: slot '${ADAM_STEP_SLOT}' must hold an integer ≥ 0, got 2.5`);
    const after = opt.getSlots();
    for (const name of Object.keys(before)) expect(after[name].dataSync()).toEqual(before[name].dataSync());
    tf.dispose([before, after]);
    opt.dispose();
  });
});

describe('createOptimizer checks', () => {
  it('rejects bad configs naming the field', () => {
    const w = param([1]);
    expect(() => createOptimizer([w], sgd(-0.1))).toThrow(/sgd: config.momentum must be in \[0, 1\), got -0.1/);
    expect(() => createOptimizer([w], sgd(0, true))).toThrow(/sgd: config.nesterov needs config.momentum > 0/);
    expect(() => createOptimizer([w], sgd(0.9, false, -1))).toThrow(/config.weightDecay must be ≥ 0, got -1/);
    expect(() => createOptimizer([w], { ...adam(), beta2: 1 } as OptimizerConfig)).toThrow(
      /adam: config.beta2 must be in \[0, 1\), got 1/,
    );
    expect(() => createOptimizer([w], { ...adam(), epsilon: 0 } as OptimizerConfig)).toThrow(/config.epsilon must be > 0, got 0/);
    expect(() => createOptimizer([w], { kind: 'rmsprop' } as unknown as OptimizerConfig)).toThrow(
      /config.kind must be 'sgd' or 'adam', got 'rmsprop'/,
    );
  });

  it('rejects duplicate param names and bad roles', () => {
    const w = param([1]);
    expect(() => createOptimizer([w, { ...param([1]), name: w.name }], sgd(0))).toThrow(`two params are named '${w.name}'`);
    expect(() => createOptimizer([{ ...w, role: 'gamma' as ParamRole }], sgd(0))).toThrow(/role 'gamma', expected one of/);
  });

  it('rejects an unknown gradient, a gradient of the wrong shape and a bad lr', () => {
    const w = param([1, 2]);
    const opt = createOptimizer([w], sgd(0.9));
    const stray = tf.zeros([2]);
    const wrong = tf.zeros([3]);
    expect(() => opt.applyGradients({ stray }, 0.1)).toThrow(/gradient for 'stray', which is not a parameter/);
    expect(() => opt.applyGradients({ [w.variable.name]: wrong }, 0.1)).toThrow(
      new RegExp(`gradient of '${w.name}' has shape \\[3\\], expected \\[2\\]`),
    );
    expect(() => opt.applyGradients({ [w.variable.name]: stray }, -1)).toThrow(/lr must be a finite number ≥ 0, got -1/);
    tf.dispose([stray, wrong]);
    opt.dispose();
  });
});
