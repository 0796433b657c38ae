// dX for conv2d as a stride-1 shipped (XNNPACK) conv2d: dy with (stride-1)
// zeros inserted between elements, convolved with the filter rotated by 180
// degrees and its in/out channels swapped. Replaces the shipped naive loop.
import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropInputAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { check } from './check';
import { conv2d, reverse, transpose } from './ops';
import { cropNegativePads, insertZeros } from './spatial';

function conv2DBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const name = Conv2DBackpropInput;
  check(dataFormat === undefined || dataFormat === 'NHWC', name, () => `dataFormat '${dataFormat}' is not supported, use 'NHWC'.`);
  check(dy.shape.length === 4, name, () => `dy must be rank 4, got shape [${dy.shape}].`);
  check(filter.shape.length === 4, name, () => `filter must be rank 4, got shape [${filter.shape}].`);
  check(dy.dtype === 'float32' && filter.dtype === 'float32', name, () => `dy and filter must be float32, got ${dy.dtype} and ${filter.dtype}.`);

  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  check(
    dy.shape[0] === inputShape[0] && dy.shape[1] === ho && dy.shape[2] === wo && dy.shape[3] === filter.shape[3], name,
    () => `dy shape [${dy.shape}] does not match the forward output [${inputShape[0]},${ho},${wo},${filter.shape[3]}].`);
  check(inputShape[3] === filter.shape[2], name, () => `inputShape[3] ${inputShape[3]} differs from filter in-channels ${filter.shape[2]}.`);

  // Padding of the zero-inserted dy [N, ho*sh, wo*sw, Cout] so a stride-1
  // kh x kw conv yields exactly H x W; may be negative (then cropped).
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = info.inHeight + kh - 1 - top - ho * sh;
  const right = info.inWidth + kw - 1 - left - wo * sw;

  const dyZ = insertZeros(backend, dy, sh, sw);
  const cropped = cropNegativePads(backend, dyZ, [[top, bottom], [left, right]]);
  backend.disposeData(dyZ.dataId);
  const rotated = reverse(backend, filter, [0, 1]);
  const swapped = transpose(backend, rotated, [0, 1, 3, 2]); // [kh, kw, Cout, Cin]
  backend.disposeData(rotated.dataId);
  const dx = conv2d(backend, cropped.x, swapped, cropped.pads, [1, 1], [1, 1]);
  backend.disposeData(cropped.x.dataId);
  backend.disposeData(swapped.dataId);
  return dx;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
