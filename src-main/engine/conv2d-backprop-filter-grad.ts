import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of Conv2DBackpropFilter, which tfjs 4.22 does not register (it does register
 * Conv2DBackpropInput's): without it, double backprop through a conv net stops at every conv's
 * filter gradient. The kernel is dW = ∂/∂W ⟨conv2d(x, W), dy⟩, bilinear in x and dy, so for an
 * incoming ddW: ∂⟨dW, ddW⟩/∂dy = conv2d(x, ddW) and ∂⟨dW, ddW⟩/∂x = conv2dBackpropInput(dy, ddW).
 * Both are kernels with registered gradients, so the result can be differentiated again.
 */
export const conv2DBackpropFilterGradConfig: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC') throw new Error(`Error in gradient of Conv2DBackpropFilter: only NHWC is supported, got dataFormat ${dataFormat}`);
    const filter = Array.isArray(ddw) ? ddw[0] : ddw;
    return {
      x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      dy: () => tf.conv2d(x, filter as tf.Tensor4D, strides, pad as 'same', dataFormat, 1, dimRoundingMode),
    };
  },
};

tf.registerGradient(conv2DBackpropFilterGradConfig);
