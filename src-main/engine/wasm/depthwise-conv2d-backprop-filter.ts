// dW for depthwise conv2d. Each channel is independent, which no shipped wasm
// kernel expresses without C-fold wasted work, so this is a direct loop over
// the heap views, accumulating in float64 like the cpu backend.
//   dW[a,b,c,m] = sum_{n,i,j} x[n, i*s+a-top, j*s+b-left, c] * dy[n,i,j,c*M+m]
import { backend_util, DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { check, checkFloat32Rank4 } from './check';

function depthwiseConv2dNativeBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const name = DepthwiseConv2dNativeBackpropFilter;
  checkFloat32Rank4(name, { x, dy });
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true);
  check(info.dilationHeight === 1 && info.dilationWidth === 1, name, () => `dilations must be 1, got [${dilations}].`);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const [batch, height, width, channels] = x.shape;
  const multiplier = filterShape[3];
  check(filterShape[2] === channels, name, () => `filterShape[2] ${filterShape[2]} differs from x channels ${channels}.`);
  const outC = channels * multiplier;
  check(
    dy.shape[0] === batch && dy.shape[1] === ho && dy.shape[2] === wo && dy.shape[3] === outC, name,
    () => `dy shape [${dy.shape}] does not match the forward output [${batch},${ho},${wo},${outC}].`);
  const { top, left } = info.padInfo;

  const acc = new Float64Array(kh * kw * outC);
  const out = backend.makeOutput(filterShape, 'float32');
  // Views are taken after makeOutput: an allocation may grow (detach) the heap.
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < ho; i++) {
      for (let a = 0; a < kh; a++) {
        const row = i * sh + a - top;
        if (row < 0 || row >= height) continue;
        for (let j = 0; j < wo; j++) {
          const dyBase = ((n * ho + i) * wo + j) * outC;
          for (let b = 0; b < kw; b++) {
            const col = j * sw + b - left;
            if (col < 0 || col >= width) continue;
            const xBase = ((n * height + row) * width + col) * channels;
            const wBase = (a * kw + b) * outC;
            if (multiplier === 1) {
              for (let c = 0; c < channels; c++) acc[wBase + c] += xv[xBase + c] * dyv[dyBase + c];
            } else {
              for (let c = 0; c < channels; c++) {
                const xc = xv[xBase + c];
                const o = c * multiplier;
                for (let m = 0; m < multiplier; m++) acc[wBase + o + m] += xc * dyv[dyBase + o + m];
              }
            }
          }
        }
      }
    }
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
