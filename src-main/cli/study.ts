import fs from 'node:fs';
import { ntVsLsqTemplate, STUDY_TEMPLATES, type StudySpecInput, type StudyTemplateOptions } from '../../shared/study';
import { leftOutText, studyCsv, studyHtml, studyTableHeader, studyTableRows } from '../../shared/study-report';
import type { StudyView } from '../../shared/study-results';
import { RunService } from '../services/runs';
import { StudyService, type StudyHooks } from '../services/study';
import type { Command, ParsedArgs } from './command';
import { numberFlag, runIdArg, textFlag } from './flags';
import { percent } from './format';
import { readJsonObject } from './json-file';
import { createProgressBar, type ProgressBar } from './progress';

type Values = ParsedArgs['values'];

const list = (values: Values, flag: string): string[] | undefined => textFlag(values, flag)?.split(',').map((s) => s.trim()).filter(Boolean);

function intList(values: Values, flag: string): number[] | undefined {
  return list(values, flag)?.map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new Error(`--${flag} must be integers separated by commas, got '${textFlag(values, flag)}'`);
    return n;
  });
}

/** The spec from --config, or a template with the flags' overrides. */
export function specFromFlags(values: Values): StudySpecInput {
  const file = textFlag(values, 'config');
  const template = textFlag(values, 'template');
  if ((file === undefined) === (template === undefined)) throw new Error('give one of --config <study.json> or --template nt-vs-lsq');
  if (file !== undefined) return readJsonObject(file) as StudySpecInput;
  if (!Object.hasOwn(STUDY_TEMPLATES, template!)) throw new Error(`--template: unknown template '${template}' (known: ${Object.keys(STUDY_TEMPLATES).join(', ')})`);
  const dataset = textFlag(values, 'dataset');
  if (!dataset) throw new Error('--template needs --dataset <registered dataset>');
  const options: StudyTemplateOptions = {
    dataset,
    model: textFlag(values, 'model'),
    epochs: numberFlag(values, 'epochs', 'integer'),
    parentEpochs: numberFlag(values, 'parent-epochs', 'integer'),
    limitTrain: numberFlag(values, 'limit-train', 'integer'),
    limitTest: numberFlag(values, 'limit-test', 'integer'),
    limitVal: numberFlag(values, 'limit-val', 'integer'),
    seeds: numberFlag(values, 'seeds', 'integer'),
    bits: intList(values, 'bits'),
    quantizers: list(values, 'quantizers'),
    backend: textFlag(values, 'backend'),
    traceImages: numberFlag(values, 'trace-images', 'integer'),
    traceProbes: numberFlag(values, 'trace-probes', 'integer'),
  };
  const spec = ntVsLsqTemplate(options);
  const name = textFlag(values, 'name');
  return name ? { ...spec, name } : spec;
}

/** Progress of the run now training, and one closing line per run and per measure. */
function terminalHooks(total: number): StudyHooks {
  let bar: ProgressBar | undefined;
  let count = 0;
  return {
    onRunStart: (id, label) => {
      count += label === 'fp parent' ? 0 : 1;
      bar = createProgressBar(`run ${id} ${label}${label === 'fp parent' ? '' : ` (${count}/${total})`}`);
    },
    onRunProgress: (_, p) => bar?.update(p.step, p.totalSteps, `epoch ${p.epoch + 1}, loss ${p.loss.toFixed(4)}`),
    onRunEnd: (id, status, top1) => bar?.finish(`run ${id} ${status}${top1 === null ? '' : `: test top-1 ${percent(top1)} %`}`),
    onMeasure: (id, done, n, what) => {
      if (done === 0) bar = createProgressBar(`sharpness of run ${id}`);
      bar?.update(done, n, what);
    },
  };
}

/** Progress, the per-cell table and the verdict lines. */
export function formatStudy(view: StudyView): string {
  const p = view.progress;
  const header = studyTableHeader(view);
  const rows = studyTableRows(view);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [
    `study ${view.id}: ${view.name} (${view.status}${view.error ? `: ${view.error}` : ''})`,
    `dataset ${view.spec.dataset}, parent run ${view.parentRunId ?? '-'}, group ${view.groupId}; ${p.finished}/${p.total} runs finished, ${p.completed} completed, ${p.measured} measured`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `against ${view.spec.baseline} (95 % interval, paired over the seeds both arms have):`,
    ...view.results.differences.map((d) => `  ${d.verdict}`),
    view.results.correction,
    ...(view.results.leftOut.length ? ['', `runs left out (${view.results.leftOut.length}):`, ...view.results.leftOut.map((r) => `  ${leftOutText(r)}`)] : []),
    ...(view.results.testSets ? ['', `WARNING: ${view.results.testSets}`] : []),
  ].join('\n');
}

async function withStudies<T>(home: string, fn: (studies: StudyService) => Promise<T>): Promise<T> {
  const runs = new RunService(home);
  try {
    return await fn(new StudyService(runs));
  } finally {
    await runs.close();
  }
}

async function runToEnd(studies: StudyService, id: number, json: boolean): Promise<void> {
  const before = studies.view(id);
  const view = await studies.run(id, terminalHooks(before.progress.total));
  console.log(json ? JSON.stringify(view) : formatStudy(view));
}

export const studyCommand: Command = {
  summary: 'a study: parent, grid of quantizers × bits × seeds, measures; paired differences with 95 % intervals, Holm-adjusted verdicts',
  usage: [
    'temper study create --config study.json [--json]',
    'temper study create --template nt-vs-lsq --dataset <name> [--model cnn-small] [--epochs 3] [--parent-epochs N] [--limit-train N] [--limit-test N] [--limit-val N]',
    '                    [--seeds 3] [--bits 2,3,4] [--quantizers lsq,nt,nt-pqn,pqn] [--backend onednn] [--trace-images 512] [--trace-probes 30] [--name]',
    '                    [--print-spec] (prints the spec and stops)',
    'temper study run <id>             train and measure what is left of a study that stopped',
    'temper study list | show <id> [--json]',
    'temper study report <id> [--html out.html] [--csv out.csv]',
  ].join('\n'),
  options: {
    config: { type: 'string' }, template: { type: 'string' }, dataset: { type: 'string' }, model: { type: 'string' }, epochs: { type: 'string' },
    'parent-epochs': { type: 'string' }, 'limit-train': { type: 'string' }, 'limit-test': { type: 'string' }, 'limit-val': { type: 'string' }, seeds: { type: 'string' },
    bits: { type: 'string' }, quantizers: { type: 'string' }, backend: { type: 'string' }, 'trace-images': { type: 'string' },
    'trace-probes': { type: 'string' }, name: { type: 'string' }, 'print-spec': { type: 'boolean', default: false }, html: { type: 'string' }, csv: { type: 'string' },
  },
  async run({ positionals, values, home, json }) {
    const [sub, arg, ...rest] = positionals;
    if (rest.length) throw new Error(`unexpected arguments '${rest.join(' ')}'`);
    if (sub === 'create') {
      const spec = specFromFlags(values);
      if (values['print-spec']) return console.log(JSON.stringify(spec, null, 2));
      await withStudies(home, async (studies) => {
        const id = await studies.create(spec);
        console.error(`study ${id} created`);
        await runToEnd(studies, id, json);
      });
    } else if (sub === 'run') {
      await withStudies(home, (studies) => runToEnd(studies, runIdArg(arg, 'a study id'), json));
    } else if (sub === 'list') {
      await withStudies(home, async (studies) => {
        const views = studies.list();
        console.log(json ? JSON.stringify(views.map(({ id, name, status, progress }) => ({ id, name, status, progress }))) : views.map((v) => `${v.id}  ${v.name}  ${v.status}  ${v.progress.finished}/${v.progress.total} runs`).join('\n') || 'no studies');
      });
    } else if (sub === 'show') {
      await withStudies(home, async (studies) => {
        const view = studies.view(runIdArg(arg, 'a study id'));
        console.log(json ? JSON.stringify(view) : `${formatStudy(view)}\n\nspec (rerun with temper study create --config <file>):\n${JSON.stringify(view.spec, null, 2)}`);
      });
    } else if (sub === 'report') {
      const html = textFlag(values, 'html');
      const csv = textFlag(values, 'csv');
      if (!html && !csv) throw new Error('report needs --html <file> and/or --csv <file>');
      await withStudies(home, async (studies) => {
        const view = studies.view(runIdArg(arg, 'a study id'));
        if (html) fs.writeFileSync(html, studyHtml(view));
        if (csv) fs.writeFileSync(csv, studyCsv(view));
        console.error(`wrote ${[html, csv].filter(Boolean).join(' and ')}`);
      });
    } else {
      throw new Error(`expected a subcommand (create, run, list, show, report), got ${sub === undefined ? 'none' : `'${sub}'`}`);
    }
  },
};
