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
import { check, checkFloat32Rank4 } from './check';
import { conv2d, reverse, transpose } from './ops';
import { dyForInputGradient } from './spatial';

function conv2DBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const name = Conv2DBackpropInput;
  check(dataFormat === undefined || dataFormat === 'NHWC', name, () => `dataFormat '${dataFormat}' is not supported, use 'NHWC'.`);
  checkFloat32Rank4(name, { dy, filter });

  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { outHeight: ho, outWidth: wo } = info;
  check(
    dy.shape[0] === inputShape[0] && dy.shape[1] === ho && dy.shape[2] === wo && dy.shape[3] === filter.shape[3], name,
    () => `dy shape [${dy.shape}] does not match the forward output [${inputShape[0]},${ho},${wo},${filter.shape[3]}].`);
  check(inputShape[3] === filter.shape[2], name, () => `inputShape[3] ${inputShape[3]} differs from filter in-channels ${filter.shape[2]}.`);

  const cropped = dyForInputGradient(backend, dy, info);
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
