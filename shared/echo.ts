/** The longest part of an input value an error message repeats. */
export const ECHO_MAX = 80;

/**
 * An input value as an error message quotes it: control characters escaped (the message stays one
 * line) and cut to `max` characters with the full length said, so a huge value is never echoed whole.
 */
export function echo(value: unknown, max = ECHO_MAX): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
  return cut.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A field path of a validation issue ("grid.paths.<key>"), each part cut as `echo` cuts a value. */
export function echoPath(path: readonly PropertyKey[]): string {
  return path.map((part) => echo(String(part))).join('.');
}
