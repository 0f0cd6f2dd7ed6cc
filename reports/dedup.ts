/**
 * Finding signatures and dedup. A finding is keyed on the invariant and op of its failing step and
 * the enabled bugs (syzkaller-style titles) — or, when it is attributed to historical bugs
 * (`found.cause`, properties/runner/attribution.ts), on those bugs: one bug, one finding.
 */
import { createHash } from 'crypto';
import type { Trace } from '../properties/trace';
import { isRegisteredFor } from '../impl/bugs';

/** What identifies a finding across runs, shards and commits. */
export interface Signature {
  invariant: string;
  op: string;
  bugs: string[];
  /** The bugs the finding is attributed to (empty: none). */
  cause: string[];
  /** The registered kernel finding it is (never with a cause). */
  known?: string;
  /** What dedup keys on: signatureKey. */
  key: string;
  /** The title: `INVARIANT @ op [bug,bug]`, then `← cause` when attributed, `= kernel <id>` when a known kernel finding. */
  text: string;
  /** First 12 hex digits of sha256(key): the finding file is `finding-<hash>.json`. */
  hash: string;
}

/** The signature of a trace with `found` (null without one). */
export function signatureOf(trace: Trace): Signature | null {
  const f = trace.found;
  if (!f) return null;
  const op = trace.steps[f.step]?.op ?? 'end';
  const bugs = [...trace.config.bugs].sort();
  const cause = [...(f.cause ?? [])].sort();
  const known = cause.length === 0 ? f.known : undefined;
  const key = signatureKey(f.invariant, op, bugs, cause, known);
  const text = `${f.invariant} @ ${op} [${bugs.join(',')}]${cause.length ? ` ← ${cause.join('+')}` : ''}${known !== undefined ? ` = kernel ${known}` : ''}`;
  return { invariant: f.invariant, op, bugs, cause, ...(known !== undefined ? { known } : {}), key, text, hash: createHash('sha256').update(key).digest('hex').slice(0, 12) };
}

/**
 * What dedup keys on: `bug a+b [bugs]` for a finding attributed to bugs a and b, whatever
 * invariant caught it; `kernel <id> [bugs]` for a registered kernel finding (the impl took its
 * path); `INVARIANT @ op [bug,bug]` otherwise (bugs sorted) — so a new violation of a kernel
 * finding's invariant never merges into the known one.
 */
export function signatureKey(invariant: string, op: string, bugs: readonly string[], cause: readonly string[] = [], known?: string): string {
  const on = `[${[...bugs].sort().join(',')}]`;
  if (cause.length > 0) return `bug ${[...cause].sort().join('+')} ${on}`;
  return known !== undefined ? `kernel ${known} ${on}` : `${invariant} @ ${op} ${on}`;
}

/** Whether a finding is named by the invariant the bugs table registers for its cause. */
export const namedAsRegistered = (trace: Trace): boolean => trace.found !== undefined && isRegisteredFor(trace.found.invariant, trace.found.cause ?? []);

/** File name of a finding with this signature. */
export const findingFile = (sig: Signature): string => `finding-${sig.hash}.json`;

/** Whether `name` is a finding file name as findingFile writes it (12 hex digits of a signature hash). */
export const isFindingFile = (name: string): boolean => /^finding-[0-9a-f]{12}\.json$/.test(name);

/**
 * Which of two traces with the same signature to keep: one named by its cause's registered
 * invariant, then the shorter, then the smaller seed, then the lexicographically smaller steps — a
 * total order, so dedup is independent of arrival order.
 */
export function better(a: Trace, b: Trace): Trace {
  const na = namedAsRegistered(a), nb = namedAsRegistered(b);
  if (na !== nb) return na ? a : b;
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
      if (cur.trace === trace) cur.sig = sig; // same key; the title follows the kept trace
      cur.hits += hits;
      return false;
    }
    this.byHash.set(sig.hash, { sig, trace, hits });
    return true;
  }

  /** Count `n` more hits of an already-kept signature key (repeats a lane did not shrink again); false if unknown. */
  hit(key: string, n: number): boolean {
    const cur = [...this.byHash.values()].find((e) => e.sig.key === key);
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
