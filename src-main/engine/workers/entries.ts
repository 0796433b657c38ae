/**
 * Every worker-thread entry, in one place: the name of its bundle (out/main/<name>.js, read by
 * electron.vite.config.ts) and its source file from the repository root (run by tsx and vitest).
 * No imports: the build config reads this file.
 */
export const WORKER_ENTRIES = {
  'trainer-worker': 'src-main/trainer/trainer-worker.ts',
  'doctor-worker': 'src-main/trainer/doctor-worker.ts',
  'replica-worker': 'src-main/engine/parallel/replica-worker.ts',
  'sharpness-trace-worker': 'src-main/engine/sharpness/trace-worker.ts',
} as const;

export type WorkerName = keyof typeof WORKER_ENTRIES;
