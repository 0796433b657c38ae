import * as tf from '@tensorflow/tfjs-core';
import type { Quantizer } from '../quantizers/quantizer';

/** How the optimizer treats a parameter: weight decay applies to 'weight' only. */
export type ParamRole = 'weight' | 'bias' | 'bn' | 'step';

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
  role: ParamRole;
}

/** A layer's two quantizers and the weight variable its weight quantizer reads. */
export interface QuantizedLayerEntry {
  layer: string;
  input: Quantizer;
  weight: Quantizer;
  weightVariable: tf.Variable;
}

/**
 * Collects a model's variables under unique names, so optimizers, checkpoints
 * and per-layer statistics all find them the same way.
 */
export class ParamStore {
  readonly trainable: NamedVariable[] = [];
  /** Non-trainable state saved in checkpoints (batch-norm running statistics). */
  readonly buffers: { name: string; variable: tf.Variable }[] = [];
  readonly quantizers: QuantizedLayerEntry[] = [];
  /** Fixed tensors a model owns (not saved: they follow from the architecture). */
  private readonly constants: tf.Tensor[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly nextSeed: () => number) {}

  seed(): number {
    return this.nextSeed();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`Duplicate parameter name '${name}'`);
    this.names.add(name);
  }

  add(name: string, initial: tf.Tensor, role: ParamRole): tf.Variable {
    this.claim(name);
    // tfjs variable names are process-global; ours are per model, so tfjs gets none.
    const variable = tf.variable(initial, true);
    initial.dispose();
    this.trainable.push({ name, variable, role });
    return variable;
  }

  addBuffer(name: string, initial: tf.Tensor): tf.Variable {
    this.claim(name);
    const variable = tf.variable(initial, false);
    initial.dispose();
    this.buffers.push({ name, variable });
    return variable;
  }

  addConstant(tensor: tf.Tensor): tf.Tensor {
    this.constants.push(tensor);
    return tensor;
  }

  addQuantizers(entry: QuantizedLayerEntry): void {
    this.quantizers.push(entry);
    const { layer, input, weight } = entry;
    const steps = [
      { name: `${layer}/input_step`, q: input },
      { name: `${layer}/weight_step`, q: weight },
    ];
    for (const { name, q } of steps) {
      if (!q.step) continue;
      this.claim(name);
      this.trainable.push({ name, variable: q.step, role: 'step' });
    }
  }

  /** LSQ init of every weight step size from the current weights (after init-from). */
  initWeightSteps(): void {
    for (const { weight, weightVariable } of this.quantizers) weight.initFrom(weightVariable);
  }

  /** Every tensor a checkpoint must hold, by name. */
  allVariables(): { name: string; variable: tf.Variable }[] {
    return [...this.trainable, ...this.buffers];
  }

  dispose(): void {
    for (const { input, weight } of this.quantizers) {
      input.dropStats();
      weight.dropStats();
    }
    for (const { variable } of this.allVariables()) variable.dispose();
    for (const tensor of this.constants) tensor.dispose();
  }
}
