import * as tf from '@tensorflow/tfjs-core';
import {
  checkConfigField,
  checkParams,
  decaysWeights,
  pairGradients,
  type AdamConfig,
  type Optimizer,
  type TrainableParam,
} from './optimizer';
import { SlotTable } from './slots';

const WHO = 'adam';
/** The update count t of the bias correction; float32, exact up to 2^24 steps. */
export const ADAM_STEP_SLOT = 'adam/step';

function checkAdamConfig(config: AdamConfig): void {
  const { beta1, beta2, epsilon, weightDecay } = config;
  checkConfigField(WHO, 'beta1', beta1, beta1 >= 0 && beta1 < 1, 'in [0, 1)');
  checkConfigField(WHO, 'beta2', beta2, beta2 >= 0 && beta2 < 1, 'in [0, 1)');
  checkConfigField(WHO, 'epsilon', epsilon, epsilon > 0, '> 0');
  checkConfigField(WHO, 'weightDecay', weightDecay, weightDecay >= 0, '≥ 0');
}

/**
 * Adam with bias correction and decoupled weight decay (AdamW, Loshchilov & Hutter; the form of
 * torch.optim.AdamW, where the decay is scaled by lr and never enters the moments; role 'weight' only):
 *   t += 1;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
 *   w = w·(1 - lr·weightDecay) - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
 */
export function createAdam(params: TrainableParam[], config: AdamConfig): Optimizer {
  checkParams(params, WHO);
  checkAdamConfig(config);
  const frozen = Object.freeze({ ...config });
  const slots = new SlotTable(WHO);
  const firstMoments = params.map((p) => slots.add(`${p.name}/m`, p.variable.shape));
  const secondMoments = params.map((p) => slots.add(`${p.name}/v`, p.variable.shape));
  const stepSlot = slots.add(ADAM_STEP_SLOT, []);
  let t = 0;

  return {
    config: frozen,
    applyGradients(grads, lr) {
      const pairs = pairGradients(params, grads, lr, WHO);
      t += 1;
      const { beta1, beta2 } = frozen;
      tf.tidy(() => {
        const b1 = tf.scalar(beta1);
        const b2 = tf.scalar(beta2);
        const oneMinusB1 = tf.scalar(1 - beta1);
        const oneMinusB2 = tf.scalar(1 - beta2);
        const stepSize = tf.scalar(lr / (1 - beta1 ** t));
        const sqrtCorrection2 = tf.scalar(Math.sqrt(1 - beta2 ** t));
        const epsilon = tf.scalar(frozen.epsilon);
        const decayFactor = tf.scalar(1 - lr * frozen.weightDecay);
        for (const { param, grad, index } of pairs) {
          const m = tf.add(tf.mul(b1, firstMoments[index]), tf.mul(oneMinusB1, grad));
          const v = tf.add(tf.mul(b2, secondMoments[index]), tf.mul(oneMinusB2, tf.square(grad)));
          firstMoments[index].assign(m);
          secondMoments[index].assign(v);
          const w = param.variable;
          const decayed = frozen.weightDecay > 0 && decaysWeights(param) ? tf.mul(w, decayFactor) : w;
          const denominator = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), epsilon);
          w.assign(tf.sub(decayed, tf.mul(stepSize, tf.div(m, denominator))));
        }
        stepSlot.assign(tf.scalar(t));
      });
    },
    getSlots: () => slots.snapshot(),
    setSlots(saved) {
      let restoredStep = 0;
      slots.restore(saved, () => {
        restoredStep = saved[ADAM_STEP_SLOT].values[0];
        if (!Number.isInteger(restoredStep) || restoredStep < 0) {
          throw new Error(`${WHO}.setSlots: slot '${ADAM_STEP_SLOT}' must hold an integer ≥ 0, got ${restoredStep}`);
        }
      });
      t = restoredStep;
    },
    dispose: () => slots.dispose(),
  };
}
