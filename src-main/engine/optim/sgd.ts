import * as tf from '@tensorflow/tfjs-core';
import {
  checkConfigField,
  checkParams,
  decaysWeights,
  pairGradients,
  type Optimizer,
  type SgdConfig,
  type TrainableParam,
} from './optimizer';
import { SlotTable } from './slots';

const WHO = 'sgd';

function checkSgdConfig(config: SgdConfig): void {
  const { momentum, weightDecay } = config;
  checkConfigField(WHO, 'momentum', momentum, momentum >= 0 && momentum < 1, 'in [0, 1)');
  checkConfigField(WHO, 'weightDecay', weightDecay, weightDecay >= 0, '≥ 0');
  if (config.nesterov && momentum === 0) throw new Error(`${WHO}: config.nesterov needs config.momentum > 0`);
}

/**
 * SGD in PyTorch's form (torch.optim.SGD, dampening 0):
 *   g = grad + weightDecay·w   (coupled L2: the decay goes through momentum; role 'weight' only)
 *   buf = momentum·buf + g
 *   update = nesterov ? g + momentum·buf : buf
 *   w -= lr·update
 */
export function createSgd(params: TrainableParam[], config: SgdConfig): Optimizer {
  checkParams(params, WHO);
  checkSgdConfig(config);
  const frozen = Object.freeze({ ...config });
  const slots = new SlotTable(WHO);
  const buffers =
    frozen.momentum > 0 ? params.map((p) => slots.add(`${p.name}/momentum`, p.variable.shape)) : null;

  return {
    config: frozen,
    applyGradients(grads, lr) {
      const pairs = pairGradients(params, grads, lr, WHO);
      tf.tidy(() => {
        const lrScalar = tf.scalar(lr);
        const momentum = tf.scalar(frozen.momentum);
        const weightDecay = tf.scalar(frozen.weightDecay);
        for (const { param, grad, index } of pairs) {
          const w = param.variable;
          const g = frozen.weightDecay > 0 && decaysWeights(param) ? tf.add(grad, tf.mul(weightDecay, w)) : grad;
          let update = g;
          if (buffers !== null) {
            const buf = tf.add(tf.mul(momentum, buffers[index]), g);
            buffers[index].assign(buf);
            update = frozen.nesterov ? tf.add(g, tf.mul(momentum, buf)) : buf;
          }
          w.assign(tf.sub(w, tf.mul(lrScalar, update)));
        }
      });
    },
    getSlots: () => slots.snapshot(),
    setSlots: (saved) => slots.restore(saved),
    dispose: () => slots.dispose(),
  };
}
