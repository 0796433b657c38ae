import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Settings } from '../../shared/api';
import { BACKEND_CHOICES } from '../../shared/config';

export const SETTINGS_FILE = 'settings.json';

const settingsSchema = z.object({
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  cpuWorkers: z.number().int().min(1).max(64).default(1),
  threadsPerRun: z.number().int().min(1).max(256).default(() => Math.max(1, os.cpus().length)),
});

/** The app settings in `<home>/settings.json`; a missing file gives the defaults. */
export function readSettings(home: string): Settings {
  const file = path.join(home, SETTINGS_FILE);
  let raw: unknown = {};
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: cannot read the settings (${(error as Error).message})`);
  }
  const result = settingsSchema.safeParse(raw);
  if (!result.success) throw new Error(`${file}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}

/** Merges `patch` into the stored settings and writes them atomically. */
export function writeSettings(home: string, patch: Partial<Settings>): Settings {
  const next = settingsSchema.parse({ ...readSettings(home), ...patch });
  const file = path.join(home, SETTINGS_FILE);
  fs.mkdirSync(home, { recursive: true });
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${JSON.stringify(next, null, 2)}\n`);
  fs.renameSync(staging, file);
  return next;
}
