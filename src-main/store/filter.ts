import { LIMITS } from '../../shared/records';
/**
 * The runs filter language, shared by the CLI (`--filter`) and the GUI's filter box:
 *
 *   quantizer=nt and bits in (2,3)      status != failed      best_top1 >= 90  (or 90%)
 *   tag = baseline    (dataset = fmnist or dataset = cifar10) and not seed in (0, 1)
 *
 * `or` binds looser than `and`, `and` looser than `not`. Values are bare words, numbers or quoted
 * strings ('…' or "…", a doubled quote escapes it). This file parses text to an AST; filter-sql.ts
 * turns the AST into a parameterized WHERE clause. Positions are 1-based character columns.
 */

export const COMPARE_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

export interface FilterValue {
  value: string | number | null;
  /** A quoted string is always text, even if it looks like a number or `null`. */
  quoted: boolean;
  at: number;
}

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; field: string; op: CompareOp; value: FilterValue; at: number }
  | { kind: 'in'; field: string; values: FilterValue[]; negated: boolean; at: number };

interface Token {
  kind: 'word' | 'string' | 'op' | '(' | ')' | ',' | 'end';
  text: string;
  at: number;
}

const WORD_CHAR = /[A-Za-z0-9_.\-:+%]/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const KEYWORDS = new Set(['and', 'or', 'not', 'in']);

/** Longer filters are refused before parsing (the API caps the text at the same length). */
export const MAX_FILTER_LENGTH = LIMITS.filterLength;
/** Parentheses and `not`s nested deeper than this are refused, long before the parser's stack runs out. */
export const MAX_FILTER_DEPTH = 32;

export class FilterError extends Error {}

function fail(message: string): never {
  throw new FilterError(`filter: ${message}`);
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the filter' : `'${token.text}'`;
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const at = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, at });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '<>', '<=', '>=', '=='].includes(two) ? two : c;
      if (op === '!') fail(`expected '!=' at ${at}`);
      tokens.push({ kind: 'op', text: op === '<>' ? '!=' : op === '==' ? '=' : op, at });
      i += op.length;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(`unterminated string starting at ${at}; expected a closing ${c}`);
        if (text[j] === c) {
          if (text[j + 1] !== c) break;
          j++;
        }
        value += text[j++];
      }
      tokens.push({ kind: 'string', text: value, at });
      i = j + 1;
    } else if (WORD_CHAR.test(c)) {
      let j = i;
      while (j < text.length && WORD_CHAR.test(text[j])) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j), at });
      i = j;
    } else {
      fail(`unexpected character '${c}' at ${at}; expected a field, a value, an operator or a parenthesis`);
    }
  }
  tokens.push({ kind: 'end', text: '', at: text.length + 1 });
  return tokens;
}

/** Parses a filter; empty text is no filter (null). `fields` are the names a comparison may use. */
export function parseFilter(text: string, fields: readonly string[]): FilterNode | null {
  if (text.length > MAX_FILTER_LENGTH) fail(`${text.length} characters is longer than the ${MAX_FILTER_LENGTH} a filter may have`);
  const tokens = tokenize(text);
  if (tokens.length === 1) return null;
  const parser = new FilterParser(tokens, fields);
  const tree = parser.parseOr();
  const rest = parser.peek();
  if (rest.kind !== 'end') fail(`expected 'and', 'or' or the end of the filter at ${rest.at}, got ${describe(rest)}`);
  return tree;
}

/** Recursive descent over the tokens: or → and → not → primary → comparison. */
class FilterParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly fields: readonly string[],
  ) {}

  peek(): Token {
    return this.tokens[this.pos];
  }

  parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): FilterNode {
    if (!this.isKeyword('not')) return this.parsePrimary();
    this.enter(this.peek().at);
    this.pos++;
    const operand = this.parseNot();
    this.depth--;
    return { kind: 'not', operand };
  }

  private parsePrimary(): FilterNode {
    if (this.peek().kind !== '(') return this.parseComparison();
    this.enter(this.peek().at);
    this.pos++;
    const inner = this.parseOr();
    this.expect(')', "')'");
    this.depth--;
    return inner;
  }

  private parseValue(): FilterValue {
    const token = this.peek();
    if (token.kind === 'string') {
      this.pos++;
      return { value: token.text, quoted: true, at: token.at };
    }
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toLowerCase())) fail(`expected a value at ${token.at}, got ${describe(token)}`);
    this.pos++;
    if (token.text.toLowerCase() === 'null') return { value: null, quoted: false, at: token.at };
    const value = NUMBER.test(token.text) ? Number(token.text) : token.text;
    return { value, quoted: false, at: token.at };
  }

  private parseComparison(): FilterNode {
    const token = this.peek();
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toLowerCase())) fail(`expected a field at ${token.at}, got ${describe(token)}`);
    const field = token.text.toLowerCase();
    if (!this.fields.includes(field)) fail(`unknown field '${token.text}' at ${token.at}; fields are ${this.fields.join(', ')}`);
    this.pos++;
    const negated = this.isKeyword('not');
    if (negated) this.pos++;
    if (this.isKeyword('in')) {
      this.pos++;
      this.expect('(', "'(' after 'in'");
      const values = [this.parseValue()];
      while (this.peek().kind === ',') {
        this.pos++;
        values.push(this.parseValue());
      }
      this.expect(')', "',' or ')'");
      return { kind: 'in', field, values, negated, at: token.at };
    }
    if (negated) fail(`expected 'in' after 'not' at ${this.peek().at}, got ${describe(this.peek())}`);
    const op = this.peek();
    if (op.kind !== 'op') fail(`expected an operator (${COMPARE_OPS.join(' ')} in) after '${token.text}' at ${op.at}, got ${describe(op)}`);
    this.pos++;
    return { kind: 'compare', field, op: op.text as CompareOp, value: this.parseValue(), at: token.at };
  }

  private enter(at: number): void {
    if (++this.depth > MAX_FILTER_DEPTH) fail(`parentheses and 'not's nest deeper than ${MAX_FILTER_DEPTH} at ${at}`);
  }

  private isKeyword(word: string): boolean {
    return this.peek().kind === 'word' && this.peek().text.toLowerCase() === word;
  }

  private expect(kind: Token['kind'], what: string): Token {
    const token = this.peek();
    if (token.kind !== kind) fail(`expected ${what} at ${token.at}, got ${describe(token)}`);
    this.pos++;
    return token;
  }
}
