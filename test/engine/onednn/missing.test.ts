import { describe, expect, it } from 'vitest';
import { selectBackend, surveyBackends } from '../../../src-main/engine/backend';

// As on a machine where the addon was never built (no oneDNN at install): this file's own process.
process.env.TEMPER_ONEDNN_ADDON = '/nonexistent/temper_onednn.node';

describe('without the oneDNN addon', () => {
  it('doctor says why onednn is unavailable and how to get it, and auto passes it over', async () => {
    const { backends } = await surveyBackends('cpu');
    const onednn = backends.find((b) => b.name === 'onednn')!;
    expect(onednn.available).toBe(false);
    expect(onednn.reason).toMatch(/not built.*apt install libdnnl-dev build-essential/);
    const auto = await selectBackend('auto');
    expect(auto.name).not.toBe('onednn');
    expect(auto.skipped.find((b) => b.name === 'onednn')?.reason).toMatch(/libdnnl-dev/);
  });

  it('an explicit onednn choice fails with the reason', async () => {
    await expect(selectBackend('onednn')).rejects.toThrow(/Backend 'onednn' is not available \(onednn: .*libdnnl-dev/);
  });
});
