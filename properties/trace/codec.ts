/**
 * Trace codec: canonical text (byte-stable, round-trip exact) and trace step ↔ executor step.
 *
 * Canonical text: a 2-space-indented top level; `config`, each step, `found` and `difference` on one line each,
 * keys in schema order (op, DESIGN §3 fields, expect), `", "` / `": "` separators, trailing newline.
 * serialize(parseTraceText(s)) === s for every canonical s.
 */
import { fromHex, toHex } from './hex';
import { parseTrace } from './parse';
import type { Trace, TraceStep } from './schema';

/** Fields that are hex strings in a trace and numbers in a Step. */
export const HEX_FIELDS = ['hva', 'gpa', 'size', 'ipa', 'pa', 'hugeSize'] as const;
type HexField = (typeof HEX_FIELDS)[number];
const HEX_SET: ReadonlySet<string> = new Set(HEX_FIELDS);

/** A trace step without `expect`, addresses and sizes as numbers (what the executors take). Distributes over ops. */
export type StepOf<T> = T extends unknown ? { [K in keyof T as K extends 'expect' ? never : K]: K extends HexField ? number : T[K] } : never;
/** An executable step (numbers): `{op: 'access', vcpu: 0, ipa: 0x40001000, kind: 'write'}`. */
export type Step = StepOf<TraceStep>;

/** Trace step → executor step (drops `expect`). */
export function decodeStep(step: TraceStep): Step {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(step)) {
    if (k === 'expect') continue;
    out[k] = HEX_SET.has(k) && typeof v === 'string' ? fromHex(v) : v;
  }
  return out as Step;
}

/** Executor step → trace step (hex strings; no `expect`). Throws RangeError on a bad number (a harness bug). */
export function encodeStep(step: Step): TraceStep {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(step)) {
    if (v === undefined) continue;
    out[k] = HEX_SET.has(k) && typeof v === 'number' ? toHex(v) : v;
  }
  return out as TraceStep;
}

/** One JSON value on one line with `", "` and `": "` separators (key order as given). */
function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const parts = Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`);
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Canonical text of a trace. Validates first (TraceError on a bad trace) and takes the
 * schema's key order), so code-built traces with any key order serialize identically.
 */
export function serialize(trace: Trace): string {
  const t = parseTrace(trace);
  const lines = [`  "format": ${JSON.stringify(t.format)}`, `  "config": ${inline(t.config)}`];
  lines.push(t.steps.length === 0 ? '  "steps": []' : `  "steps": [\n${t.steps.map((s) => `    ${inline(s)}`).join(',\n')}\n  ]`);
  if (t.found) lines.push(`  "found": ${inline(t.found)}`);
  if (t.difference) lines.push(`  "difference": ${inline(t.difference)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}
