// The fused fake-quantizer as a threaded native loop: the same float32 operations in the same
// order as the JS loop in quantizers/fake-quant-kernel.ts, so both give the same bits.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { checkFakeQuantInputs, FAKE_QUANT_GRAD_KERNEL, FAKE_QUANT_KERNEL, type FakeQuantAttrs } from '../quantizers/fake-quant-kernel';
import { Rng } from '../../../shared/rng';
import type { OneDnnAddon } from './addon';
import { output, values, type KernelArgs } from './tensors';

export function fakeQuantConfig(addon: OneDnnAddon): KernelConfig {
  const kernelFunc = (args: KernelArgs): TensorInfo[] => {
    const backend = args.backend as MathBackendCPU;
    const { x, step, noise } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as FakeQuantAttrs;
    checkFakeQuantInputs(x, step, noise, attrs);
    const read = (t: TensorInfo) => values(backend, t);
    const [value, inside, perElement] = [0, 1, 2].map(() => output(backend, x.shape));
    // Without a noise input the addon draws it from the seed's generator state, as Rng.fillUniform would.
    const source = attrs.mode === 0 ? null : noise ? read(noise) : Uint32Array.from(new Rng(attrs.noiseSeed).getState());
    addon.fakeQuant(read(x), read(step)[0], source, attrs.mode, attrs.qn, attrs.qp, attrs.lambda, value.data, inside.data, perElement.data, attrs.noiseHalfWidth);
    return [value.info, inside.info, perElement.info];
  };
  return { kernelName: FAKE_QUANT_KERNEL, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}

export function fakeQuantGradConfig(addon: OneDnnAddon): KernelConfig {
  const kernelFunc = (args: KernelArgs): TensorInfo[] => {
    const backend = args.backend as MathBackendCPU;
    const { dy, inside, perElement } = args.inputs as Record<string, TensorInfo>;
    if (![dy, inside, perElement].every((t) => t.dtype === 'float32')) throw new Error(`Error in ${FAKE_QUANT_GRAD_KERNEL}: dy, inside and perElement must be float32`);
    const dx = output(backend, dy.shape);
    const sum = addon.fakeQuantGrad(values(backend, dy), values(backend, inside), values(backend, perElement), dx.data);
    return [dx.info, backend.makeTensorInfo([], 'float32', Float32Array.of(sum))];
  };
  return { kernelName: FAKE_QUANT_GRAD_KERNEL, backendName: 'onednn', kernelFunc: kernelFunc as unknown as KernelFunc };
}
