import { afterAll, describe, expect, it } from 'vitest';
import { releaseBackend, selectBackend } from '../../../src-main/engine/backend';
import { webGpuUnavailable } from './adapter-available';
import { resnetGradientMatch } from './resnet-gradients';

const unavailable = await webGpuUnavailable();

// 33 s on the 2-core EPYC's software Vulkan, so 4.5x that.
describe.skipIf(unavailable !== null)(unavailable ?? 'the webgpu backend on a whole ResNet-20', { timeout: 150_000 }, () => {
  afterAll(() => releaseBackend());

  it('gives the cpu backend gradients within 1e-3 relative on every parameter', async () => {
    await selectBackend('webgpu');
    const { parameters, worst } = await resnetGradientMatch('webgpu');
    console.log(`webgpu vs cpu, ResNet-20 gradients over ${parameters} parameters: worst relative error ${worst.error.toExponential(2)} (${worst.name})`);
    expect(worst.error, `worst parameter: ${worst.name}`).toBeLessThan(1e-3);
  });
});
