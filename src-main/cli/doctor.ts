import { BACKEND_CHOICES, type BackendChoice } from '../../shared/config';
import { selectBackend } from '../engine/backend';
import type { Command } from './command';

export const doctor: Command = {
  summary: 'show which compute backend Temper would use, and why others are unavailable',
  usage: 'temper doctor [--backend auto|tensorflow|webgpu|wasm|cpu] [--json]',
  options: { backend: { type: 'string', default: 'auto' } },
  async run({ values, json }) {
    const choice = String(values.backend) as BackendChoice;
    if (!BACKEND_CHOICES.includes(choice)) throw new Error(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${choice}'`);
    const info = await selectBackend(choice);
    const backends = [...info.skipped, { name: info.name, available: true, reason: 'selected', device: info.device }];
    if (json) {
      console.log(JSON.stringify({ selected: info.name, threads: info.threads, device: info.device, backends }));
      return;
    }
    console.log(`selected: ${info.name} (${info.device}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`);
    for (const b of info.skipped) console.log(`  ${b.name}: unavailable: ${b.reason}`);
  },
};
