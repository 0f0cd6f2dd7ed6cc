/** Parse and validate a trace: one precise error line naming the step index and field (DESIGN §4). */
import type { ZodIssue } from 'zod';
import { S2InputError } from '../../model/types';
import { show } from './hex';
import { locateJsonError, pathString } from './jsonLocate';
import { jsonShapeProblem } from './jsonShape';
import { traceSchema, type Trace } from './schema';
import { TRACE_FORMAT } from './vocab';

/** A bad trace: `field` is the path (`steps[3].ipa`), the message one line; `issues` lists every problem. */
export class TraceError extends S2InputError {
  constructor(field: string, message: string, readonly issues: readonly string[] = [`${field}: ${message}`]) {
    super(field, message);
    this.name = 'TraceError';
  }
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): { present: boolean; value: unknown } {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, p)) return { present: false, value: undefined };
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return { present: true, value: cur };
}

/** One zod issue as `[field, message]`, with the received value where zod's text lacks it. */
function describe(issue: ZodIssue, input: unknown): [string, string] {
  const at = valueAt(input, issue.path);
  const field = pathString(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const base = issue.path.length ? `${field}.` : '';
      return [`${base}${issue.keys[0]}`, `unknown field (not in ${TRACE_FORMAT})`];
    }
    case 'invalid_union_discriminator':
      return at.present ? [field, `unknown op ${show(at.value)} (known: ${issue.options.join(', ')})`] : [field, 'required field missing'];
    case 'invalid_enum_value':
      return [field, `expected one of ${issue.options.join(', ')}, got ${show(at.value)}`];
    case 'invalid_literal':
      return [field, `expected ${show(issue.expected)}, got ${show(at.value)}`];
    case 'invalid_type':
      if (at.present) return [field || 'trace', `expected ${issue.expected}, got ${show(at.value)}`];
      return [field, 'required field missing'];
    case 'custom':
      return [field, at.present ? issue.message : 'required field missing'];
    default:
      if (!at.present && issue.path.length > 0) return [field, 'required field missing'];
      return [field || 'trace', `${issue.message}, got ${show(at.value)}`];
  }
}

/** Validate a parsed JSON value as a trace. Throws TraceError naming the first bad field. */
export function parseTrace(json: unknown): Trace {
  const r = traceSchema.safeParse(json);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => describe(i, json));
  const [field, message] = lines[0];
  throw new TraceError(field, message, lines.map(([f, m]) => `${f}: ${m}`));
}

/**
 * JSON text as a value: a byte-order mark, bad JSON (line, column and the trace path it is in), a
 * key given twice or nesting too deep for the validator is a TraceError.
 */
export function parseJsonText(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) throw new TraceError('json', 'the text starts with a byte-order mark (U+FEFF): save it as UTF-8 without a BOM');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const site = locateJsonError(text);
    const where = site ? `line ${site.line} col ${site.col}: ${site.reason}` : 'unreadable';
    throw new TraceError(site?.path || 'json', `bad JSON at ${where}`);
  }
  const shape = jsonShapeProblem(text);
  if (shape) throw new TraceError(shape.path || 'json', shape.message);
  return json;
}

/** Parse trace text: as parseJsonText, then as parseTrace. */
export function parseTraceText(text: string): Trace {
  return parseTrace(parseJsonText(text));
}

/** One validation issue of `input` (a config or a trace) as `field: message`, as trace errors print it. */
export function issueText(issue: ZodIssue, input: unknown): string {
  const [field, message] = describe(issue, input);
  return `${field}: ${message}`;
}
