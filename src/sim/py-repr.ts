/** Python `repr()` of JSON values, for vLLM's pydantic validation messages. */

/** A Python tuple, e.g. pydantic's `loc`: `('body', 'messages')`. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** Text inserted verbatim, e.g. `VLLMValidationError('...')`. */
export class PyRaw {
  constructor(readonly text: string) {}
}

export function pyRepr(value: unknown): string {
  if (value instanceof PyRaw) return value.text;
  if (value instanceof PyTuple) {
    const inner = value.items.map(pyRepr);
    return inner.length === 1 ? `(${inner[0]},)` : `(${inner.join(', ')})`;
  }
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return pyString(String(value));
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** Single quotes unless the text has a ' and no ", like CPython. */
export function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `int(s)` for base-10 text (surrounding whitespace, a sign, `_` between digits), or null where it raises. */
export function pyInt(s: string): number | null {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(s);
  return m ? Number(`${m[1]}${(m[2] ?? '').replaceAll('_', '')}`) : null;
}

/**
 * JSON text in which the named keys' integral numbers are written as Python floats (`0.0`, not
 * `0`), as pydantic/json.dumps and nlohmann print float fields.
 */
export function jsonWithFloats(value: unknown, keys: readonly string[]): string {
  const pattern = new RegExp(`"(${keys.join('|')})":(-?\\d+)(?=[,}\\]])`, 'g');
  return JSON.stringify(value).replace(pattern, '"$1":$2.0');
}
