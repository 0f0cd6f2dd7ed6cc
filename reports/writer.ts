/** Write a run report atomically: finding-<hash>.json files, then summary.json, summary.md, summary.html; then drop finding files the summary no longer lists. */
import * as fs from 'fs';
import * as path from 'path';
import { serialize, type Trace } from '../properties/trace';
import { writeAtomic } from './atomic';
import { findingFile, isFindingFile, type FindingSet, type Signature } from './dedup';
import { summaryHtml, type HtmlFinding } from './html';
import { summaryMarkdown } from './markdown';
import { summarySchema, type FindingEntry, type Summary } from './schema';
import type { FindingDetail } from './view';

/** The summary entry of a deduplicated finding. */
export function findingEntry(sig: Signature, trace: Trace, hits: number): FindingEntry {
  const f = trace.found;
  if (!f) throw new RangeError('findingEntry: trace without found');
  return {
    signature: sig.text, hash: sig.hash, file: findingFile(sig), invariant: sig.invariant, op: sig.op, bugs: sig.bugs,
    ...(sig.cause.length ? { cause: sig.cause } : {}),
    step: f.step, steps: trace.steps.length, seed: f.seed, message: f.message ?? '', hits,
    ...(sig.known !== undefined ? { known: sig.known } : {}), // a failure an enabled bug causes is that bug, not a kernel finding
  };
}

/** The findings a run or merge counts as new: not a known kernel finding (exit 1 is for these only). */
export const newFindingsOf = (entries: readonly FindingEntry[]): FindingEntry[] => entries.filter((e) => e.known === undefined);

/** Entries and traces of a finding set, in signature order. */
export function findingsOf(set: FindingSet): { entry: FindingEntry; trace: Trace }[] {
  return set.entries().map(({ sig, trace, hits }) => ({ entry: findingEntry(sig, trace, hits), trace }));
}

/** Produces the picture and outcome table of a finding (the engine's replay), or null. */
export type Describe = (trace: Trace) => FindingDetail | null;

/** Remove finding files in `dir` that `keep` does not name (left by an earlier run into the same directory). */
function dropStaleFindings(dir: string, keep: ReadonlySet<string>): void {
  for (const name of fs.readdirSync(dir)) if (isFindingFile(name) && !keep.has(name)) fs.rmSync(path.join(dir, name), { force: true });
}

/**
 * Write everything under `dir` (created if needed). The summary is validated against its schema
 * first, so a report on disk is always well-formed; each file is replaced atomically. Finding
 * files the new summary does not list (an earlier run's, when `--out` is reused) are removed only
 * after it is written, so the directory never holds a summary naming a missing file.
 */
export function writeReport(dir: string, summary: Summary, findings: readonly { entry: FindingEntry; trace: Trace }[], describe?: Describe): void {
  const s = summarySchema.parse(summary);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of findings) writeAtomic(path.join(dir, f.entry.file), serialize(f.trace));
  writeAtomic(path.join(dir, 'summary.json'), `${JSON.stringify(s, null, 2)}\n`);
  writeAtomic(path.join(dir, 'summary.md'), summaryMarkdown(s, dir));
  const html: HtmlFinding[] = findings.map((f) => {
    let detail: FindingDetail | null = null;
    try {
      detail = describe ? describe(f.trace) : null;
    } catch {
      detail = null; // a picture is a courtesy: never lose the report over it
    }
    return { ...f, detail };
  });
  writeAtomic(path.join(dir, 'summary.html'), summaryHtml(s, html));
  dropStaleFindings(dir, new Set(findings.map((f) => f.entry.file)));
}
