// dX for depthwise conv2d: a stride-1 shipped depthwise conv of the
// zero-inserted dy with the 180-degree rotated filter, one output channel per
// (channel, multiplier) pair, then summed over the multiplier.
import { backend_util, DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { check, checkFloat32Rank4 } from './check';
import { depthwiseConv2d, reshape, reverse, sum } from './ops';
import { dyForInputGradient } from './spatial';

function depthwiseConv2dNativeBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as KernelBackend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const name = DepthwiseConv2dNativeBackpropInput;
  checkFloat32Rank4(name, { dy, filter });
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations ?? 1, pad, dimRoundingMode, true);
  check(info.dilationHeight === 1 && info.dilationWidth === 1, name, () => `dilations must be 1, got [${dilations}].`);
  const { filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const [, , channels, multiplier] = filter.shape;
  check(inputShape[3] === channels, name, () => `inputShape[3] ${inputShape[3]} differs from filter channels ${channels}.`);
  check(
    dy.shape[0] === inputShape[0] && dy.shape[1] === ho && dy.shape[2] === wo && dy.shape[3] === channels * multiplier, name,
    () => `dy shape [${dy.shape}] does not match the forward output [${inputShape[0]},${ho},${wo},${channels * multiplier}].`);

  const cropped = dyForInputGradient(backend, dy, info);
  const flat = reshape(backend, filter, [kh, kw, channels * multiplier, 1]);
  const rotated = reverse(backend, flat, [0, 1]);
  backend.disposeData(flat.dataId);
  const perPair = depthwiseConv2d(backend, cropped.x, rotated, cropped.pads, [1, 1]); // [N,H,W,C*M]
  backend.disposeData(cropped.x.dataId);
  backend.disposeData(rotated.dataId);
  if (multiplier === 1) return perPair;
  const [n, h, w] = perPair.shape;
  const split = reshape(backend, perPair, [n, h, w, channels, multiplier]);
  backend.disposeData(perPair.dataId);
  const dx = sum(backend, split, [4]);
  backend.disposeData(split.dataId);
  return dx;
}

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
