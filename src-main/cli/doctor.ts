import { BACKEND_CHOICES, type BackendChoice } from '../../shared/config';
import { backendVersions, releaseBackend, surveyBackends } from '../engine/backend';
import type { Command } from './command';

export const doctor: Command = {
  summary: 'show which compute backend Temper would use, the GPU it found, and why others are unavailable',
  usage: 'temper doctor [--backend auto|tensorflow|webgpu|wasm|cpu] [--json]',
  options: { backend: { type: 'string', default: 'auto' } },
  async run({ values, json }) {
    const choice = String(values.backend) as BackendChoice;
    if (!BACKEND_CHOICES.includes(choice)) throw new Error(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${choice}'`);
    const { selected, backends } = await surveyBackends(choice);
    // Dawn keeps the process alive while it holds a device.
    await releaseBackend();
    const versions = backendVersions();
    if (json) {
      console.log(JSON.stringify({ selected: selected.name, threads: selected.threads, device: selected.device, adapter: selected.adapter, backends, versions }));
      return;
    }
    console.log(`selected: ${selected.name} (${selected.device}, ${selected.threads} thread${selected.threads === 1 ? '' : 's'})`);
    for (const b of backends) {
      const state = b.reason === 'selected' ? 'selected' : b.available ? `available: ${b.reason}` : `unavailable: ${b.reason}`;
      console.log(`  ${b.name.padEnd(13)} ${state}${b.device && b.reason !== 'selected' ? ` [${b.device}]` : ''}`);
    }
    console.log(`versions: ${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ')}`);
  },
};
