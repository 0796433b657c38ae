// Conv2D and its two gradients on oneDNN (NHWC activations, HWIO filters, as tfjs stores them).
import { backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, util } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { OneDnnAddon } from './addon';
import { allFloat32, cpuKernel, output, values, type KernelArgs } from './tensors';

type Shape4 = [number, number, number, number];

/**
 * oneDNN's 17 conv parameters from tfjs's conv info. The bottom/right padding is what makes the
 * output size come out exactly; it is negative where the forward conv never reads the last rows.
 */
function convParams(info: backend_util.Conv2DInfo): Float64Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  const bottom = (outHeight - 1) * strideHeight + (filterHeight - 1) * dilationHeight + 1 - inHeight - top;
  const right = (outWidth - 1) * strideWidth + (filterWidth - 1) * dilationWidth + 1 - inWidth - left;
  return Float64Array.from([batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth,
    strideHeight, strideWidth, top, left, bottom, right, dilationHeight, dilationWidth]);
}

const channelsLast = (dataFormat: string | undefined) => dataFormat === undefined || dataFormat === 'NHWC';

function conv2DConfig(addon: OneDnnAddon): KernelConfig {
  const fallback = cpuKernel(Conv2D);
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
    if (!channelsLast(dataFormat) || !allFloat32(x, filter)) return fallback(args) as TensorInfo;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
    const y = output(backend, info.outShape);
    if (y.data.length > 0) addon.conv(0, values(backend, x), values(backend, filter), y.data, convParams(info));
    return y.info;
  };
  return { kernelName: Conv2D, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

function conv2DBackpropInputConfig(addon: OneDnnAddon): KernelConfig {
  const fallback = cpuKernel(Conv2DBackpropInput);
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = args.attrs as unknown as Conv2DBackpropInputAttrs;
    if (!channelsLast(dataFormat) || !allFloat32(dy, filter)) return fallback(args) as TensorInfo;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const dx = output(backend, inputShape);
    if (dx.data.length > 0) addon.conv(1, dx.data, values(backend, filter), values(backend, dy), convParams(info));
    return dx.info;
  };
  return { kernelName: Conv2DBackpropInput, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

function conv2DBackpropFilterConfig(addon: OneDnnAddon): KernelConfig {
  const fallback = cpuKernel(Conv2DBackpropFilter);
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const backend = args.backend as MathBackendCPU;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { filterShape, strides, pad, dataFormat, dimRoundingMode } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!channelsLast(dataFormat) || !allFloat32(x, dy)) return fallback(args) as TensorInfo;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const dw = output(backend, filterShape);
    if (util.sizeFromShape(x.shape) > 0) addon.conv(2, values(backend, x), dw.data, values(backend, dy), convParams(info));
    return dw.info;
  };
  return { kernelName: Conv2DBackpropFilter, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

export const convConfigs = (addon: OneDnnAddon) => [conv2DConfig(addon), conv2DBackpropInputConfig(addon), conv2DBackpropFilterConfig(addon)];
