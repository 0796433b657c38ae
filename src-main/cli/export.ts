import { EXPORT_FORMATS, type ExportFormat } from '../../shared/api';
import { evaluateExportDir, exportRun } from '../services/exports';
import { DatasetService } from '../services/datasets';
import { RunService } from '../services/runs';
import type { Command } from './command';
import { runIdArg } from './flags';

export const exportCommand: Command = {
  summary: "write a completed run's model as integer weight codes (docs/export-format.md) or as ONNX (docs/onnx-export.md)",
  usage: 'temper export <run id> --out <dir | file.onnx> [--format temper|onnx] [--json]',
  options: { out: { type: 'string' }, format: { type: 'string', default: 'temper' } },
  async run({ positionals, values, home, json }) {
    if (positionals.length !== 1) throw new Error(`expected one run id, got '${positionals.join(' ')}'`);
    const id = runIdArg(positionals[0]);
    if (!values.out) throw new Error(`--out <${values.format === 'onnx' ? 'file.onnx' : 'dir'}> is required`);
    const format = String(values.format) as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new Error(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${format}'`);
    const service = new RunService(home);
    try {
      const dir = await exportRun(service, id, String(values.out), format);
      if (json) console.log(JSON.stringify({ id, dir }));
      else console.log(`exported run ${id} to ${dir}`);
    } finally {
      await service.close();
    }
  },
};

export const evalExportCommand: Command = {
  summary: "run an export folder (tfjs) or an .onnx file (ONNX Runtime) on a dataset's test split",
  usage: 'temper eval-export <dir | file.onnx> --dataset <name> [--json]',
  options: { dataset: { type: 'string' } },
  async run({ positionals, values, home, json }) {
    if (positionals.length !== 1) throw new Error(`expected one export folder or .onnx file, got '${positionals.join(' ')}'`);
    if (!values.dataset) throw new Error('--dataset <name> is required');
    const result = await evaluateExportDir(new DatasetService(home), positionals[0], String(values.dataset));
    if (json) console.log(JSON.stringify(result));
    else console.log(`test top-1 ${(result.testTop1 * 100).toFixed(2)} % on ${result.count} images (${result.runtime === 'onnxruntime' ? 'ONNX Runtime' : 'Temper'})`);
  },
};
