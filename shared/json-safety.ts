/** Deeper than any argument the API or a spec file takes (a study spec is about 5 levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of JSON text beyond `max`, found by scanning its brackets (outside strings)
 * without recursion, before parsing: a 100,000-deep value would overflow the stack of whatever
 * walks it later. Returns a problem or null.
 */
export function jsonDepthProblem(text: string, max = MAX_JSON_DEPTH): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return `nested deeper than ${max} levels`;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return null;
}

/**
 * The path of a `__proto__` key in parsed JSON, or null. JSON.parse keeps it as an own key, but
 * any later copy into an object would change that object's prototype or drop the key silently.
 */
export function protoKeyPath(value: unknown, root = 'body'): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, where] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      const at = Array.isArray(node) ? `${where}[${key}]` : `${where}.${key}`;
      if (key === '__proto__') return at;
      stack.push([(node as Record<string, unknown>)[key], at]);
    }
  }
  return null;
}
