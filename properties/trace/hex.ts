/** Hex strings of the trace format (DESIGN §3: addresses and sizes are `0x…`, lower-case, canonical). */
import { z } from 'zod';

const CANONICAL = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const LOOSE = /^0[xX][0-9a-fA-F]+$/;

/** Show a received value in an error message: strings quoted, others as JSON. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Why `v` is not a canonical trace hex string, or null when it is one (value < 2^53). */
export function hexProblem(v: unknown): string | null {
  if (typeof v !== 'string' || !LOOSE.test(v)) return `expected a hex string like 0x40001000, got ${show(v)}`;
  if (!CANONICAL.test(v)) return `expected canonical hex (lower-case, no leading zeros) like 0x40001000, got ${show(v)}`;
  if (!Number.isSafeInteger(Number.parseInt(v.slice(2), 16))) return `hex value must be below 2^53, got ${show(v)}`;
  return null;
}

/** Zod schema of one canonical hex string. */
export const hexSchema = z.custom<string>((v) => hexProblem(v) === null, (v: unknown) => ({ message: hexProblem(v) ?? '' }));

/** Number → canonical hex string. Throws on a non-safe or negative integer (a harness bug). */
export function toHex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`toHex: not a non-negative safe integer: ${n}`);
  return `0x${n.toString(16)}`;
}

/** Canonical hex string → number (validated by the schema beforehand). */
export function fromHex(s: string): number {
  return Number.parseInt(s.slice(2), 16);
}
