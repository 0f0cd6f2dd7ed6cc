/** Finding signatures (invariant + op of the failing step + enabled bugs, syzkaller-style titles) and dedup. */
import { createHash } from 'crypto';
import type { Trace } from '../properties/trace';

/** What identifies a finding across runs, shards and commits. */
export interface Signature {
  invariant: string;
  op: string;
  bugs: string[];
  /** `INVARIANT @ op [bug,bug]`. */
  text: string;
  /** First 12 hex digits of sha256(text): the finding file is `finding-<hash>.json`. */
  hash: string;
}

/** The signature of a trace with `found` (null without one). */
export function signatureOf(trace: Trace): Signature | null {
  const f = trace.found;
  if (!f) return null;
  const op = trace.steps[f.step]?.op ?? 'end';
  const bugs = [...trace.config.bugs].sort();
  const text = signatureText(f.invariant, op, bugs);
  return { invariant: f.invariant, op, bugs, text, hash: createHash('sha256').update(text).digest('hex').slice(0, 12) };
}

/** `INVARIANT @ op [bug,bug]` (bugs sorted): the text a signature is keyed on. */
export const signatureText = (invariant: string, op: string, bugs: readonly string[]): string => `${invariant} @ ${op} [${[...bugs].sort().join(',')}]`;

/** File name of a finding with this signature. */
export const findingFile = (sig: Signature): string => `finding-${sig.hash}.json`;

/** Whether `name` is a finding file name as findingFile writes it (12 hex digits of a signature hash). */
export const isFindingFile = (name: string): boolean => /^finding-[0-9a-f]{12}\.json$/.test(name);

/**
 * Which of two traces with the same signature to keep: the shorter, then the smaller seed, then
 * the lexicographically smaller steps — a total order, so dedup is independent of arrival order.
 */
export function better(a: Trace, b: Trace): Trace {
  if (a.steps.length !== b.steps.length) return a.steps.length < b.steps.length ? a : b;
  const sa = a.found?.seed ?? 0;
  const sb = b.found?.seed ?? 0;
  if (sa !== sb) return sa < sb ? a : b;
  return JSON.stringify(a.steps) <= JSON.stringify(b.steps) ? a : b;
}

/** A deduplicated set: signature hash → kept trace and how many hits it absorbed. */
export class FindingSet {
  private readonly byHash = new Map<string, { sig: Signature; trace: Trace; hits: number }>();

  /** Add a found trace (ignored without `found`); returns true when its signature is new. */
  add(trace: Trace, hits = 1): boolean {
    const sig = signatureOf(trace);
    if (!sig) return false;
    const cur = this.byHash.get(sig.hash);
    if (cur) {
      cur.trace = better(cur.trace, trace);
      cur.hits += hits;
      return false;
    }
    this.byHash.set(sig.hash, { sig, trace, hits });
    return true;
  }

  /** Count `n` more hits of an already-kept signature (repeats a lane did not shrink again); false if unknown. */
  hit(text: string, n: number): boolean {
    const cur = [...this.byHash.values()].find((e) => e.sig.text === text);
    if (!cur) return false;
    cur.hits += n;
    return true;
  }

  get size(): number {
    return this.byHash.size;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  /** Entries sorted by signature text (stable output order). */
  entries(): { sig: Signature; trace: Trace; hits: number }[] {
    return [...this.byHash.values()].sort((a, b) => (a.sig.text < b.sig.text ? -1 : a.sig.text > b.sig.text ? 1 : 0));
  }
}
