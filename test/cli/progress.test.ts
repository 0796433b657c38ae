import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../src-main/cli/progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (text: string) => writes.push(text) } };
}

describe('createProgressBar', () => {
  it('redraws one line with \\r at most every 100 ms on a terminal, and always at the end', () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const bar = createProgressBar('importing', stream, () => now);
    bar.update(1, 4, 'a');
    now = 50;
    bar.update(2, 4, 'b');
    now = 150;
    bar.update(3, 4, 'c');
    now = 160;
    bar.update(4, 4, 'd');
    bar.finish('imported in 0.2 s');
    expect(writes).toHaveLength(4);
    expect(writes[0]).toBe('\rimporting [######..................] 1/4 a\x1b[K');
    expect(writes[2]).toContain('[########################] 4/4 d');
    expect(writes[3]).toBe('\r\x1b[Kimported in 0.2 s\n');
    expect(writes.every((w) => w.length <= 60 + 8)).toBe(true);
  });

  it('prints only the closing line when not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const bar = createProgressBar('importing', stream, () => 0);
    bar.update(1, 2, 'a');
    bar.update(2, 2, 'b');
    bar.finish('imported');
    expect(writes).toEqual(['imported\n']);
  });
});
