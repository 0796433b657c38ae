import type { TrainConfig } from '../../shared/config';
import type { RunStatus } from '../../shared/records';

/** The values only the store and the services see; the shared ones live in shared/records.ts. */
export type {
  CheckpointRecord, DatasetRecord, EpochCurves, GroupRecord, LayerStatsRow, ListRunsQuery, NoteRecord, Page, RunCurves, RunRecord, StepPoint,
} from '../../shared/records';

export interface NewRun {
  config: TrainConfig;
  dataset: string;
  name?: string | null;
  parentId?: number | null;
  groupId?: number | null;
  appVersion?: string | null;
  gitCommit?: string | null;
  datasetHash?: string | null;
  createdAt?: number;
}

export interface RunStart {
  backend: string;
  device: string;
  startedAt?: number;
}

/** A run's end. Its best epoch is not part of it: the store chooses that on validation as epochs are recorded. */
export interface RunFinish {
  status: Extract<RunStatus, 'completed' | 'failed' | 'cancelled'>;
  finalTop1?: number | null;
  error?: string | null;
  finishedAt?: number;
}
