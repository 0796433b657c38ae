import { trainConfigSchema } from '../../shared/config';
import { type RunForm, valuesFromConfig } from './run-form';

/**
 * The New run form's JSON panel, read back: a run request ({dataset, initFrom, name, config, sweep})
 * or a bare config, pasted or edited. Errors name the field, as the CLI's --config does.
 */
export function formFromJson(text: string, form: RunForm): { form: RunForm } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${(e as Error).message}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'Expected a JSON object: a run config, or {"dataset", "config", ...}' };
  const object = value as Record<string, unknown>;
  const isRequest = 'config' in object;
  const parsed = trainConfigSchema.safeParse(isRequest ? object.config : object);
  if (!parsed.success) {
    const prefix = isRequest ? 'config.' : '';
    return { error: parsed.error.issues.map((i) => `${prefix}${i.path.join('.') || '(config)'}: ${i.message}`).join('; ') };
  }
  const next: RunForm = { ...form, values: valuesFromConfig(parsed.data) };
  if (!isRequest) return { form: next };
  const { dataset, initFrom, name, sweep } = object;
  if (dataset !== undefined && typeof dataset !== 'string') return { error: 'dataset: expected the name of a dataset' };
  if (initFrom !== undefined && initFrom !== null && !Number.isInteger(initFrom)) return { error: 'initFrom: expected a run id' };
  if (name !== undefined && typeof name !== 'string') return { error: 'name: expected text' };
  return {
    form: {
      ...next,
      dataset: (dataset as string | undefined) ?? form.dataset,
      initFrom: (initFrom as number | null | undefined) ?? null,
      name: (name as string | undefined) ?? '',
      sweep: sweep && typeof sweep === 'object' ? JSON.stringify(sweep, null, 2) : null,
    },
  };
}
