import { describe, expect, it } from 'vitest';
import { lines, temper } from './temper';

// A few CLI starts a test: 12 s at most on the 2-core EPYC, so 10x that (a start alone varies 3x with load).
describe('temper CLI', { timeout: 120_000 }, () => {
  it('prints help listing its commands and the common options', async () => {
    const { code, stdout } = await temper(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^temper \d+\.\d+\.\d+: quantization-aware training with noise tempering/);
    expect(stdout).toMatch(/^ {2}doctor {2,}show which compute backend/m);
    expect(stdout).toContain('--home <dir>');
    expect(stdout).toContain('--json');
  });

  it('prints help for one command', async () => {
    const { code, stdout } = await temper(['doctor', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: temper doctor [--backend auto|tensorflow|webgpu|wasm|cpu] [--json]');
  });

  it('exits 2 with one line for an unknown command, and 1 for a bad flag', async () => {
    const unknown = await temper(['trian']);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual(["temper: unknown command 'trian' (see temper --help)"]);
    const badFlag = await temper(['doctor', '--bakend', 'cpu']);
    expect(badFlag.code).toBe(1);
    expect(lines(badFlag.stderr)).toHaveLength(1);
    expect(badFlag.stderr).toContain("temper doctor: Unknown option '--bakend'");
  });

  it('doctor --json prints the selected backend and why the others are unavailable', async () => {
    const { code, stdout } = await temper(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { selected: string; backends: { name: string; available: boolean; reason: string; device: string | null }[] };
    // Every backend in auto order: exactly one selected, each other one with why it is or is not usable.
    expect(report.backends.map((b) => b.name)).toEqual(['tfjs-node-gpu', 'webgpu', 'onednn', 'tfjs-node', 'wasm', 'cpu']);
    expect(report.backends.filter((b) => b.reason === 'selected')).toEqual([expect.objectContaining({ available: true })]);
    for (const b of report.backends) expect(b.reason.length).toBeGreaterThan(0);
  });
});
