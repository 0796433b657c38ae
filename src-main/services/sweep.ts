import type { SweepRequest, TrainRequest } from '../../shared/api';
import { CONFIG_PATHS, closestName, parseTrainConfig, type TrainConfigInput } from '../../shared/config';
import { echo } from '../../shared/echo';
import { MAX_SWEEP_RUNS, setPath, SWEEP_ALIASES as ALIASES } from '../../shared/sweep';

/** The config path a sweep key names; a key that is no field of the schema is refused before anything is queued. */
function sweptPath(key: string): string {
  const path = Object.hasOwn(ALIASES, key) ? ALIASES[key] : key;
  if (CONFIG_PATHS.includes(path)) return path;
  const guess = closestName(key, [...CONFIG_PATHS, ...Object.keys(ALIASES)]);
  throw new Error(`sweep key '${echo(key)}' is not a config field${guess ? ` (did you mean '${guess}'?)` : ''}`);
}

/** The swept config paths with their values, aliases resolved; an empty list is an error naming the key. */
export function sweepAxes(sweep: Record<string, unknown[]>): [string, unknown[]][] {
  const axes = Object.entries(sweep).map(([key, values]): [string, unknown[]] => {
    if (!Array.isArray(values) || values.length === 0) throw new Error(`sweep.${key}: expected a non-empty list of values`);
    return [sweptPath(key), values];
  });
  if (axes.length === 0) throw new Error('sweep: expected at least one swept field, e.g. { "quant.bits": [2, 3, 4] }');
  const seen = new Set<string>();
  for (const [path] of axes) {
    if (seen.has(path)) throw new Error(`sweep: '${path}' is swept twice`);
    seen.add(path);
  }
  return axes;
}

/** One request per cell of the grid (the cartesian product of the axes), in a stable order. */
export function expandSweep(request: SweepRequest): TrainRequest[] {
  const axes = sweepAxes(request.sweep);
  const total = axes.reduce((n, [, values]) => n * values.length, 1);
  if (total > MAX_SWEEP_RUNS) throw new Error(`sweep: ${total} runs is more than the ${MAX_SWEEP_RUNS} one sweep may queue`);
  const requests: TrainRequest[] = [];
  for (let index = 0; index < total; index++) {
    const config = structuredClone(request.config) as Record<string, unknown>;
    let rest = index;
    // The last axis varies fastest: seeds of one cell come out next to each other.
    for (let a = axes.length - 1; a >= 0; a--) {
      const [path, values] = axes[a];
      setPath(config, path, values[rest % values.length]);
      rest = Math.floor(rest / values.length);
    }
    requests.push({ config: config as TrainConfigInput, dataset: request.dataset, initFrom: request.initFrom, name: request.name });
  }
  return requests;
}

/**
 * Validates every cell's config before anything is stored or submitted; the error names the cell
 * (`labelled`), or is the config's own message where a single run was asked for.
 */
export function checkSweepCells(requests: TrainRequest[], labelled = true): void {
  requests.forEach((r, i) => {
    try {
      parseTrainConfig(r.config);
    } catch (error) {
      throw new Error(labelled ? `sweep cell ${i + 1} of ${requests.length}: ${(error as Error).message}` : (error as Error).message);
    }
  });
}

/** The group a sweep's runs are stored in: its name, or the swept fields. */
export function sweepGroupName(request: SweepRequest): string {
  return request.name ?? `sweep of ${Object.keys(request.sweep).join(' × ')}`;
}

/** The value at a dotted path of a plain object. */
export function valueAt(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), object);
}
