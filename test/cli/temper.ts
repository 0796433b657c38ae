import { execFile } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../bin/temper.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A guard against a hung child only: each test's own timeout (sized from its work) is the real
 * bound. One CLI training run took over 60 s on the 2-core EPYC with the suite's other forks running.
 */
const CHILD_TIMEOUT_MS = 300_000;

/** Runs the real CLI in a child process, as a user would, with TEMPER_HOME unset. */
export function temper(args: string[], timeoutMs = CHILD_TIMEOUT_MS): Promise<CliResult> {
  const env = { ...process.env };
  delete env.TEMPER_HOME;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export const lines = (text: string) => text.split('\n').filter((line) => line.length > 0);
