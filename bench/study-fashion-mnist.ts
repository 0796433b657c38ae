// The study of the issue on real data: an FP cnn-small parent on Fashion-MNIST (Debian's
// dataset-fashion-mnist), then lsq, nt, nt-pqn and pqn at W2A2, W3A3 and W4A4 from it, 3 seeds
// each, the Hessian trace of every run; writes the report, the CSV, both figures as SVG and a
// Markdown table for the README. Sized by flags to the time at hand (defaults: the README's recipe).
// Run: npm run bench:study -- [--home <dir>] [--train 2000] [--test 1000] [--epochs 2] [--parent-epochs 3] [--trace-images 256]
//        [--probes 10] [--seeds 3] [--backend onednn] [--out docs/images] [--resume <study id>]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ntVsLsqTemplate } from '../shared/study';
import { top1VsBitsSvg, traceVsTop1Svg } from '../shared/study-figures';
import { leftOutText, studyCsv, studyHtml, studyTableHeader, studyTableRows } from '../shared/study-report';
import type { StudyView } from '../shared/study-results';
import { RunService } from '../src-main/services/runs';
import { StudyService } from '../src-main/services/study';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

const { values } = parseArgs({
  options: {
    home: { type: 'string', default: path.join(os.tmpdir(), 'temper-study-fmnist') },
    train: { type: 'string', default: '2000' },
    test: { type: 'string', default: '1000' },
    epochs: { type: 'string', default: '2' },
    'parent-epochs': { type: 'string', default: '3' },
    'trace-images': { type: 'string', default: '256' },
    probes: { type: 'string', default: '10' },
    seeds: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'onednn' },
    out: { type: 'string', default: 'docs/images' },
    resume: { type: 'string' },
  },
});

function positive(flag: keyof typeof values): number {
  const n = Number(values[flag]);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`bench/study-fashion-mnist: --${flag} must be a positive integer, got '${values[flag]}'`);
  return n;
}

function markdown(view: StudyView): string {
  const header = studyTableHeader(view);
  const rows = studyTableRows(view);
  const leftOut = view.results.leftOut.length ? ['', 'Runs left out:', ...view.results.leftOut.map((r) => `- ${leftOutText(r)}`)] : [];
  return [
    `| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`), '',
    ...view.results.differences.map((d) => `- ${d.verdict}`), '', view.results.correction, ...leftOut,
  ].join('\n');
}

async function main(): Promise<void> {
  const home = values.home!;
  const runs = new RunService(home);
  const studies = new StudyService(runs);
  const started = performance.now();
  const stamp = () => `[${((performance.now() - started) / 60_000).toFixed(1)} min]`;
  try {
    if (!(await runs.datasets.list()).some((d) => d.name === 'fmnist')) await runs.datasets.add(FASHION_MNIST, { name: 'fmnist' });
    let id: number;
    if (values.resume) {
      id = Number(values.resume);
    } else {
      const spec = ntVsLsqTemplate({
        dataset: 'fmnist', model: 'cnn-small', epochs: positive('epochs'), parentEpochs: positive('parent-epochs'), limitTrain: positive('train'), limitTest: positive('test'),
        seeds: positive('seeds'), backend: values.backend, traceImages: positive('trace-images'), traceProbes: positive('probes'),
      });
      id = await studies.create({ ...spec, name: 'Fashion-MNIST: nt vs lsq vs pqn' });
    }
    console.log(`${stamp()} study ${id} in ${home}`);
    const view = await studies.run(id, {
      onRunStart: (run, label) => console.log(`${stamp()} run ${run} ${label}`),
      onRunEnd: (run, status, top1) => console.log(`${stamp()} run ${run} ${status}${top1 === null ? '' : ` top-1 ${(top1 * 100).toFixed(2)} %`}`),
      onMeasure: (run, done, total) => {
        if (done === total) console.log(`${stamp()} run ${run} trace measured`);
      },
    });
    const out = values.out!;
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'study-top1-vs-bits.svg'), top1VsBitsSvg(view.results));
    fs.writeFileSync(path.join(out, 'study-trace-vs-top1.svg'), traceVsTop1Svg(view.entries));
    fs.writeFileSync(path.join(home, `study-${id}.html`), studyHtml(view));
    fs.writeFileSync(path.join(home, `study-${id}.csv`), studyCsv(view));
    fs.writeFileSync(path.join(home, `study-${id}.md`), markdown(view));
    console.log(`${stamp()} done: ${view.progress.completed}/${view.progress.total} runs completed`);
    console.log(markdown(view));
  } finally {
    await runs.close();
  }
}

await main();
