export { comparisonCsv, metricsCsv } from '../../shared/csv';

/** temper-compare-runs-3-4-<date>.csv, temper-compare-group-2-<date>.csv, or a count when the ids would make a long name. */
export function compareFileName(source: { groupId: number | null; ids: number[] }, ext: 'csv' | 'html', date: string): string {
  const what =
    source.groupId !== null
      ? `group-${source.groupId}`
      : source.ids.length <= 6
        ? `runs-${source.ids.join('-')}`
        : `${source.ids.length}-runs`;
  return `temper-compare-${what}-${date}.${ext}`;
}
