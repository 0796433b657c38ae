// dW for conv2d, expressed as one shipped (XNNPACK) conv2d over transposed
// tensors: Cin plays the batch, N plays the channels and dy is the filter,
// applied with dilation = forward stride.
//   dW[a,b,ci,co] = sum_{n,i,j} x[n, i*s+a-top, j*s+b-left, ci] * dy[n,i,j,co]
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropFilterAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { check, checkFloat32Rank4 } from './check';
import { conv2d, transpose } from './ops';
import { cropNegativePads } from './spatial';

function conv2DBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const name = Conv2DBackpropFilter;
  check(dataFormat === undefined || dataFormat === 'NHWC', name, () => `dataFormat '${dataFormat}' is not supported, use 'NHWC'.`);
  checkFloat32Rank4(name, { x, dy });

  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  check(info.dilationHeight === 1 && info.dilationWidth === 1, name, () => `dilations must be 1.`);
  check(
    dy.shape[0] === x.shape[0] && dy.shape[1] === ho && dy.shape[2] === wo && dy.shape[3] === filterShape[3], name,
    () => `dy shape [${dy.shape}] does not match the forward output [${x.shape[0]},${ho},${wo},${filterShape[3]}].`);
  check(x.shape[3] === filterShape[2], name, () => `x channels ${x.shape[3]} differ from filterShape[2] ${filterShape[2]}.`);

  const { top, left } = info.padInfo;
  // Bottom/right padding that makes the dilated "filter" (dy) yield exactly kh x kw
  // outputs; negative when the forward conv never reads the last rows/cols.
  const bottom = kh + (ho - 1) * sh - info.inHeight - top;
  const right = kw + (wo - 1) * sw - info.inWidth - left;

  const xT = transpose(backend, x, [3, 1, 2, 0]); // [Cin, H, W, N]
  const cropped = cropNegativePads(backend, xT, [[top, bottom], [left, right]]);
  backend.disposeData(xT.dataId);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Cout]
  const dwT = conv2d(backend, cropped.x, dyT, cropped.pads, [1, 1], [sh, sw]); // [Cin, kh, kw, Cout]
  backend.disposeData(cropped.x.dataId);
  backend.disposeData(dyT.dataId);
  const dw = transpose(backend, dwT, [1, 2, 0, 3]);
  backend.disposeData(dwT.dataId);
  return dw;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
