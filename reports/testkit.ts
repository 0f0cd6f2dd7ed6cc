/** Test helpers for reports: traces with `found`, summaries, shard directories. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CONFIG } from '../model/types';
import { TRACE_FORMAT, type Trace, type TraceStep } from '../properties/trace';
import { FindingSet } from './dedup';
import { SUMMARY_FORMAT, type Summary } from './schema';
import { emptyGenCounts, genJson } from './stats';
import { findingsOf, writeReport } from './writer';

const MMAP: TraceStep = { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' };
const SLOT: TraceStep = { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['READONLY'] };
const WRITE: TraceStep = { op: 'access', vcpu: 0, ipa: '0x40001000', kind: 'write' };

/** A trace failing `invariant` at its last step (an access), with `extra` padding steps before it. */
export function foundTrace(invariant: string, extra = 0, bugs: string[] = [], seed = 1): Trace {
  const pad: TraceStep[] = Array.from({ length: extra }, (_, i) => ({ op: 'access', vcpu: 1, ipa: `0x4000${(i + 2).toString(16)}000`, kind: 'read' }));
  const steps = [MMAP, SLOT, ...pad, WRITE];
  return { format: TRACE_FORMAT, config: { ...DEFAULT_CONFIG, bugs }, steps, found: { invariant, step: steps.length - 1, seed, path: '0', message: `${invariant} fired` } };
}

/** A summary for `traces` (counts are synthetic). */
export function summaryFor(run: string, shard: string, traces: Trace[], runs = 10): { summary: Summary; set: FindingSet } {
  const set = new FindingSet();
  for (const t of traces) set.add(t);
  const gen = emptyGenCounts();
  gen.traces = 2;
  gen.steps = runs * 3;
  gen.ops = { access: runs * 2, mmap: runs };
  gen.kinds = { write: runs * 2 };
  gen.outcomes = { ok: runs * 3 };
  const summary: Summary = {
    format: SUMMARY_FORMAT, run, config: { ...DEFAULT_CONFIG, bugs: [] }, seed: 5, shards: [shard], workers: 1, stop: 'time', interrupted: false,
    seconds: 2, runs, steps: runs * 3, stepsPerSecond: (runs * 3) / 2, runsPerSecond: runs / 2, invariantChecks: { NO_STALE_PFN: runs * 3 },
    generator: genJson(gen), findings: findingsOf(set).map((f) => f.entry),
  };
  return { summary, set };
}

/** Write a shard report directory under a fresh temp root; returns its path. */
export function writeShard(root: string, name: string, shard: string, traces: Trace[], runs = 10): string {
  const dir = path.join(root, name);
  const { summary, set } = summaryFor(name, shard, traces, runs);
  writeReport(dir, summary, findingsOf(set));
  return dir;
}

/** A fresh temp directory. */
export const tmpRoot = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 's2check-rep-'));
