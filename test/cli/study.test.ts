import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStudy } from '../../src-main/cli/study';
import { writeGratingsIdx } from '../helpers/idx-folder';
import { mixedStudyView } from '../helpers/study-view';
import { lines, temper } from './temper';

const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');

let tmp: string;
let home: string;
const cli = (...args: string[]) => temper([...args, '--home', home]);
const TINY = ['--template', 'nt-vs-lsq', '--dataset', 'g', '--model', 'mlp', '--epochs', '1', '--seeds', '1', '--bits', '3', '--quantizers', 'lsq,nt', '--backend', 'wasm', '--trace-images', '64', '--trace-probes', '2'];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'temper-study-cli-'));
  home = path.join(tmp, 'home');
  writeGratingsIdx(path.join(tmp, 'gratings'));
  expect((await cli('datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g')).code).toBe(0);
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Three tiny runs and two 2-probe traces in one CLI process: about 60 s on the loaded 2-core EPYC, so 5x that.
describe('temper study', { timeout: 300_000 }, () => {
  it('creates a study from the template, trains it in the foreground, shows it and writes the report', async () => {
    const created = await cli('study', 'create', ...TINY, '--json');
    expect(created.code, created.stderr).toBe(0);
    const view = JSON.parse(lines(created.stdout).at(-1)!);
    expect(view).toMatchObject({ id: 1, status: 'completed', progress: { total: 2, completed: 2, measured: 2 } });
    expect(view.spec.grid).toEqual({ quantizers: ['lsq', 'nt'], bits: [3], seeds: [0], paths: {} });

    const shown = await cli('study', 'show', '1');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^study 1: noise tempering vs LSQ vs PQN \(completed\)$/m);
    expect(shown.stdout).toMatch(/^lsq +W3A3 +\d+\.\d\d ± 0\.00 \(n=1\)/m);
    // One seed: a difference, and no interval.
    expect(shown.stdout).toMatch(/^ {2}nt − lsq at W3A3: [+−]\d+\.\d\d pt, no interval at n=1$/m);
    expect(shown.stdout).toMatch(/^No comparison has a p-value yet/m);
    expect(JSON.parse(shown.stdout.slice(shown.stdout.indexOf('{')))).toEqual(view.spec);

    const html = path.join(tmp, 'study.html');
    const csv = path.join(tmp, 'study.csv');
    const report = await cli('study', 'report', '1', '--html', html, '--csv', csv);
    expect(report.code, report.stderr).toBe(0);
    const page = fs.readFileSync(html, 'utf8');
    expect(page.match(/<svg /g)).toHaveLength(2);
    expect(page).toContain('nt − lsq at W3A3');
    const rows = lines(fs.readFileSync(csv, 'utf8').replaceAll('\r', ''));
    expect(rows[0]).toBe('kind,quantizer,bits,paths,measure,n,mean,sd,baseline,difference,low95,high95,df,method,p,p_holm,verdict,note');
    expect(rows.at(-1)).toMatch(/^correction,{17}"No comparison has a p-value yet/);
    expect(rows.filter((r) => r.startsWith('cell,'))).toHaveLength(4);
    expect(rows.filter((r) => r.startsWith('difference,nt,3,,top1,1,'))).toHaveLength(1);
  });

  it('prints the spec of a template, and refuses bad input naming it', async () => {
    const printed = await cli('study', 'create', ...TINY, '--print-spec');
    expect(JSON.parse(printed.stdout)).toMatchObject({ baseline: 'lsq', measures: ['trace'], sharpness: { images: 64 } });
    expect((await cli('study', 'create', '--template', 'nope', '--dataset', 'g')).stderr).toMatch(/--template: unknown template 'nope' \(known: nt-vs-lsq\)/);
    const file = path.join(tmp, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ dataset: 'g', parent: { run: 1 }, recipe: { model: 'mlp' }, grid: { quantizers: ['nt'], bits: [2], seeds: [0] } }));
    expect((await cli('study', 'create', '--config', file)).stderr).toMatch(/baseline: 'lsq' is not one of grid.quantizers \(nt\)/);
    expect((await cli('study', 'show', '7')).stderr).toMatch(/no study 7/);
    expect((await cli('study', 'report', '1')).stderr).toMatch(/--html <file> and\/or --csv <file>/);
  });

  it('refuses unknown sharpness settings and a grid path over quant, naming them, and stores nothing', async () => {
    const spec = { dataset: 'g', parent: { train: {} }, recipe: { model: 'mlp', epochs: 1 }, grid: { quantizers: ['lsq'], bits: [2], seeds: [0] } };
    const file = path.join(tmp, 'typo.json');
    fs.writeFileSync(file, JSON.stringify({ ...spec, sharpness: { imgaes: 64, trace: { probes: 3 } } }));
    const typo = await cli('study', 'create', '--config', file);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^temper study: Invalid study spec: sharpness: Invalid sharpness parameters: /);
    expect(typo.stderr).toContain("(params): unknown field 'imgaes' (did you mean 'images'?)");
    expect(typo.stderr).toContain("trace: unknown field 'probes' (known: maxIterations, minIterations, relativeStderr)");
    fs.writeFileSync(file, JSON.stringify({ ...spec, grid: { ...spec.grid, paths: { quant: [{ quantizer: 'nt' }] } } }));
    expect((await cli('study', 'create', '--config', file)).stderr).toMatch(/grid.paths.quant: set by grid.quantizers, grid.bits or grid.seeds/);
  });

  it('a study whose process was killed reads interrupted, naming the pid, in show and list', async () => {
    const killedHome = path.join(tmp, 'killed');
    expect((await temper(['datasets', 'add', path.join(tmp, 'gratings'), '--name', 'g', '--home', killedHome])).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'study', 'create', ...TINY, '--epochs', '3', '--home', killedHome], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // The parent's closing line (progress goes to stderr): the study is running, part way.
    let said = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the study printed no closing line of its parent: ${said}`)), 150_000);
      child.stderr.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes('run 1 ')) resolve(clearTimeout(timer));
      });
    });
    child.kill('SIGKILL');
    await exited;
    const shown = await temper(['study', 'show', '1', '--home', killedHome]);
    expect(shown.stdout).toMatch(new RegExp(`^study 1: noise tempering vs LSQ vs PQN \\(interrupted: the process running it \\(pid ${child.pid}\\) ended\\)$`, 'm'));
    const listed = JSON.parse((await temper(['study', 'list', '--json', '--home', killedHome])).stdout);
    expect(listed[0]).toMatchObject({ id: 1, status: 'interrupted' });
  });
});

describe('formatStudy', () => {
  it('prints the Holm-adjusted verdicts, what was corrected, a degenerate comparison and the runs left out', () => {
    const view = mixedStudyView();
    const text = formatStudy(view);
    expect(text).toMatch(/^lsq +W2A2 +81\.00 ± 1\.00 \(n=3\) +110\.0 ± 10\.0 \(n=3\) +–$/m);
    expect(text).toMatch(/^pqn +W2A2 +79\.50 ± 0\.71 \(n=2\) .* seed 1 diverged$/m);
    expect(text).toContain('against lsq (95 % interval, paired over the seeds both arms have):');
    expect(text).toContain('  nt − lsq at W2A2: +0.10 pt, degenerate (all paired differences equal: no variance to test) at n=3');
    expect(text).toMatch(/^ {2}pqn − lsq at W2A2: −1\.50 pt \[.*\], p = 0\.\d{3}, Holm p = \d\.\d{3}, not significant at n=2; missing pqn seed 1 \(diverged\)$/m);
    expect(text).toMatch(/^p-values are Holm-adjusted .* over the 3 comparisons with a test: every quantizer against lsq at every setting, top-1 and Hessian trace together \(1 without a test/m);
    expect(text).toMatch(/^runs left out \(1\):\n {2}run \d+ \(pqn W2A2 seed 1\): diverged \(Training diverged at epoch 1, step 12/m);
  });
});
