import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** How many tests the closing table lists. */
const SHOWN = 10;

/**
 * Lists the slowest tests of a run, so timing drift shows before a test reaches its timeout.
 * Listed before the default reporter, so its table prints above vitest's closing summary.
 */
export default class SlowestTestsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const timed = testModules.flatMap((module) =>
      [...module.children.allTests()].map((test) => ({
        ms: test.diagnostic()?.duration ?? 0,
        where: `${path.relative(process.cwd(), module.moduleId)} > ${test.fullName}`,
      })),
    );
    const slowest = timed.sort((a, b) => b.ms - a.ms).slice(0, SHOWN);
    if (slowest.length === 0) return;
    const lines = slowest.map(({ ms, where }) => `${(ms / 1000).toFixed(2).padStart(7)} s  ${where}`);
    process.stdout.write(`\n Slowest ${slowest.length} tests\n${lines.join('\n')}\n`);
  }
}
