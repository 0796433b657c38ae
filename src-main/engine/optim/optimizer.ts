import type * as tf from '@tensorflow/tfjs-core';

/** What a parameter is, which decides whether weight decay applies (only to 'weight'). */
export type ParamRole = 'weight' | 'bias' | 'bn' | 'step';
const PARAM_ROLES: readonly ParamRole[] = ['weight', 'bias', 'bn', 'step'];

export interface TrainableParam {
  /** Checkpoint name; slot names are derived from it ("conv1/kernel/m"). */
  name: string;
  variable: tf.Variable;
  role: ParamRole;
}

/** One optimizer slot as a checkpoint holds it: its shape and float32 values in row-major order. */
export interface SavedSlot {
  shape: readonly number[];
  values: Float32Array;
}

export type SgdConfig = { kind: 'sgd'; momentum: number; nesterov: boolean; weightDecay: number };
export type AdamConfig = { kind: 'adam'; beta1: number; beta2: number; epsilon: number; weightDecay: number };
export type OptimizerConfig = SgdConfig | AdamConfig;

export interface Optimizer {
  readonly config: OptimizerConfig;
  /**
   * One update of every param that has a gradient, with learning rate lr for this step.
   * grads are keyed by tf.Variable name (as tf.variableGrads returns them) and stay the caller's.
   */
  applyGradients(grads: Record<string, tf.Tensor>, lr: number): void;
  /** Slot tensors (momentum buffers, Adam moments, step count) by name: copies the caller disposes. */
  getSlots(): Record<string, tf.Tensor>;
  /**
   * Restores slots saved from getSlots(), as a checkpoint holds them: host values, so nothing is read
   * back from the device (WebGPU cannot read synchronously). Checks every name, shape and length
   * before changing anything.
   */
  setSlots(saved: Record<string, SavedSlot>): void;
  dispose(): void;
}

/** A gradient matched to the parameter it updates; index is the parameter's position. */
export interface ParamGradient {
  param: TrainableParam;
  grad: tf.Tensor;
  index: number;
}

export function decaysWeights(param: TrainableParam): boolean {
  return param.role === 'weight';
}

/** Checks parameter names, roles and dtypes once, when an optimizer is created. */
export function checkParams(params: TrainableParam[], who: string): void {
  const names = new Set<string>();
  const variableNames = new Set<string>();
  params.forEach((param, i) => {
    if (typeof param.name !== 'string' || param.name === '') {
      throw new Error(`${who}: params[${i}].name must be a non-empty string`);
    }
    if (names.has(param.name)) throw new Error(`${who}: two params are named '${param.name}'`);
    names.add(param.name);
    if (!PARAM_ROLES.includes(param.role)) {
      throw new Error(`${who}: param '${param.name}' has role '${String(param.role)}', expected one of ${PARAM_ROLES.join(', ')}`);
    }
    if (param.variable.dtype !== 'float32') {
      throw new Error(`${who}: param '${param.name}' has dtype ${param.variable.dtype}, expected float32`);
    }
    if (variableNames.has(param.variable.name)) {
      throw new Error(`${who}: param '${param.name}' shares tf.Variable '${param.variable.name}' with another param`);
    }
    variableNames.add(param.variable.name);
  });
}

/** Pairs each gradient with its parameter; throws on an unknown name, a wrong shape or a bad lr. */
export function pairGradients(
  params: TrainableParam[],
  grads: Record<string, tf.Tensor>,
  lr: number,
  who: string,
): ParamGradient[] {
  if (!Number.isFinite(lr) || lr < 0) throw new Error(`${who}.applyGradients: lr must be a finite number ≥ 0, got ${lr}`);
  const known = new Set(params.map((p) => p.variable.name));
  for (const name of Object.keys(grads)) {
    if (!known.has(name)) throw new Error(`${who}.applyGradients: gradient for '${name}', which is not a parameter of this optimizer`);
  }
  const pairs: ParamGradient[] = [];
  params.forEach((param, index) => {
    const grad = grads[param.variable.name];
    if (grad === undefined) return;
    if (!sameShape(grad.shape, param.variable.shape)) {
      throw new Error(
        `${who}.applyGradients: gradient of '${param.name}' has shape [${grad.shape}], expected [${param.variable.shape}]`,
      );
    }
    pairs.push({ param, grad, index });
  });
  return pairs;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws `${who}: config.${field} must be in ${range}, got ${value}` unless ok. */
export function checkConfigField(who: string, field: string, value: number, ok: boolean, range: string): void {
  if (!ok || !Number.isFinite(value)) throw new Error(`${who}: config.${field} must be ${range}, got ${value}`);
}
