import { z } from 'zod';
import { type ApiMethod, EXPORT_FORMATS } from './api';
import { clusterProfileSchema } from './cluster-profile';
import { BACKEND_CHOICES } from './config';
import { datasetNameSchema, runNameSchema } from './names';
import { LIMITS } from './records';
import { echoPath } from './echo';

/**
 * The arguments of every TemperApi call, checked on the main side before a call reaches a
 * service (IPC handlers and the web server both use this table). Configs are checked in depth
 * by the config schema inside the service, which names the bad field.
 */

const id = z.number().int().positive();
const ids = z.array(id).min(1).max(LIMITS.runsPerRequest);
const text = (max: number) => z.string().min(1).max(max);
const datasetName = datasetNameSchema;
/** A field name or config path: longer ones are refused before anything echoes them. */
const key = z.string().max(200);
const config = z.record(key, z.unknown());

const trainRequest = z.strictObject({
  config,
  dataset: datasetName,
  initFrom: id.optional(),
  name: runNameSchema.optional(),
});

/** Where a run trains: a cluster profile's name, or null (or left out) for this machine. */
const where = clusterProfileSchema.shape.name.nullish();

const listRunsQuery = z.strictObject({
  filter: z.string().max(LIMITS.filterLength).optional(),
  sort: z.string().max(64).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.number().int().min(1).max(LIMITS.pageSize).optional(),
  offset: z.number().int().min(0).optional(),
});

export const API_ARGS = {
  appInfo: z.tuple([]),
  doctor: z.tuple([]),
  getSettings: z.tuple([]),
  updateSettings: z.tuple([
    z.strictObject({
      backend: z.enum(BACKEND_CHOICES).optional(),
      cpuWorkers: z.number().int().min(1).max(64).optional(),
      threadsPerRun: z.number().int().min(1).max(256).optional(),
    }),
  ]),
  listDatasets: z.tuple([]),
  datasetThumbnails: z.tuple([datasetName]),
  importDataset: z.tuple([
    z.strictObject({
      source: text(4096),
      name: datasetName.optional(),
      format: z.enum(['idx', 'cifar10', 'cifar100', 'image-folder']).optional(),
      size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
      channels: z.union([z.literal(1), z.literal(3)]).optional(),
    }),
  ]),
  createDemoDataset: z.tuple([datasetName.optional()]),
  removeDataset: z.tuple([datasetName]),
  listRuns: z.tuple([listRunsQuery]),
  getRun: z.tuple([id]),
  startRun: z.tuple([trainRequest, where.optional()]),
  startSweep: z.tuple([trainRequest.extend({ sweep: z.record(key, z.array(z.unknown()).min(1).max(100)) }), where.optional()]),
  cancelRun: z.tuple([id]),
  resumeRun: z.tuple([id]),
  deleteRun: z.tuple([id]),
  tagRun: z.tuple([id, text(64)]),
  untagRun: z.tuple([id, text(64)]),
  addNote: z.tuple([id, text(10_000)]),
  runCurves: z.tuple([ids]),
  stepMetrics: z.tuple([id, z.number().int().min(2).max(100_000).optional()]),
  layerStats: z.tuple([id]),
  compareRuns: z.tuple([ids]),
  listGroups: z.tuple([]),
  groupSummary: z.tuple([id]),
  exportRun: z.tuple([id, text(4096).nullish(), z.enum(EXPORT_FORMATS).optional()]),
  estimateRun: z.tuple([trainRequest]),
  validateConfig: z.tuple([z.unknown()]),
  computeSharpness: z.tuple([id, z.record(key, z.unknown()).optional()]),
  cancelSharpness: z.tuple([id]),
  sharpnessOf: z.tuple([id]),
  listStudies: z.tuple([]),
  getStudy: z.tuple([id]),
  // The study's own schema (shared/study.ts) checks the spec and names the bad field.
  createStudy: z.tuple([z.record(key, z.unknown())]),
  resumeStudy: z.tuple([id]),
  listClusters: z.tuple([]),
  addCluster: z.tuple([clusterProfileSchema]),
  updateCluster: z.tuple([clusterProfileSchema]),
  removeCluster: z.tuple([clusterProfileSchema.shape.name]),
  testCluster: z.tuple([clusterProfileSchema.shape.name]),
} satisfies Record<ApiMethod, z.ZodTuple>;

export class ApiArgumentError extends Error {}

/** The arguments of `method`, validated; the error names the argument and field. */
export function parseApiArgs<M extends ApiMethod>(method: M, args: unknown): z.infer<(typeof API_ARGS)[M]> {
  if (!Object.hasOwn(API_ARGS, method)) throw new ApiArgumentError(`unknown API call '${String(method)}'`);
  // Optional trailing arguments may be left out.
  const schema = API_ARGS[method] as z.ZodTuple;
  const result = schema.safeParse(args);
  if (result.success) return result.data as z.infer<(typeof API_ARGS)[M]>;
  const problems = result.error.issues.map((i) => `${i.path.length ? `argument ${echoPath(i.path)}` : 'arguments'}: ${i.message}`);
  throw new ApiArgumentError(`${method}: ${problems.join('; ')}`);
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.hasOwn(API_ARGS, name);
}
