import * as tf from '@tensorflow/tfjs-core';
import { type SavedSlot, sameShape } from './optimizer';

const NAMES_SHOWN = 5;

/** Optimizer state tensors under checkpoint names; non-trainable variables updated by assign. */
export class SlotTable {
  private readonly slots = new Map<string, tf.Variable>();

  constructor(private readonly who: string) {}

  /** A zero-filled float32 slot. Its tf.Variable is unnamed, so two optimizers never clash. */
  add(name: string, shape: number[]): tf.Variable {
    if (this.slots.has(name)) throw new Error(`${this.who}: slot '${name}' defined twice`);
    const slot = tf.tidy(() => tf.variable(tf.zeros(shape), false));
    this.slots.set(name, slot);
    return slot;
  }

  /** Copies sharing the slots' data (tf.clone is free until the slot is reassigned). */
  snapshot(): Record<string, tf.Tensor> {
    const copies: Record<string, tf.Tensor> = {};
    for (const [name, slot] of this.slots) copies[name] = tf.clone(slot);
    return copies;
  }

  /** Validates everything, then runs checkValues, and only then assigns: a bad input changes nothing. */
  restore(saved: Record<string, SavedSlot>, checkValues: () => void = () => {}): void {
    const who = `${this.who}.setSlots`;
    for (const name of Object.keys(saved)) {
      if (!this.slots.has(name)) {
        throw new Error(`${who}: unknown slot '${name}'; expected ${this.describeNames()}`);
      }
    }
    for (const [name, slot] of this.slots) {
      const value = saved[name];
      if (value === undefined) throw new Error(`${who}: missing slot '${name}'`);
      if (!sameShape(value.shape, slot.shape)) {
        throw new Error(`${who}: slot '${name}' has shape [${value.shape}], expected [${slot.shape}]`);
      }
      if (value.values.length !== slot.size) {
        throw new Error(`${who}: slot '${name}' has ${value.values.length} values, its shape [${slot.shape}] holds ${slot.size}`);
      }
    }
    checkValues();
    tf.tidy(() => {
      for (const [name, slot] of this.slots) slot.assign(tf.tensor(saved[name].values, slot.shape, 'float32'));
    });
  }

  dispose(): void {
    for (const slot of this.slots.values()) slot.dispose();
    this.slots.clear();
  }

  private describeNames(): string {
    const names = [...this.slots.keys()];
    if (names.length === 0) return 'no slots';
    const shown = names.slice(0, NAMES_SHOWN).map((n) => `'${n}'`).join(', ');
    return names.length > NAMES_SHOWN ? `${shown}, … (${names.length} in all)` : shown;
  }
}
