/** Combine shard report directories into one deduplicated report, and tell which findings are new against a corpus. */
import * as fs from 'fs';
import * as path from 'path';
import { S2InputError } from '../model/types';
import { parseTraceText, type Trace } from '../properties/trace';
import { FindingSet, signatureOf } from './dedup';
import { parseSummary, SUMMARY_FORMAT, type Summary } from './schema';
import { addCounts, addGen, emptyGenCounts, genCountsOf, genJson, sortedCounts } from './stats';
import { findingsOf, newFindingsOf, writeReport, type Describe } from './writer';

/** One shard directory, read and validated. */
interface ShardReport {
  dir: string;
  summary: Summary;
  traces: Trace[];
}

function readShard(dir: string): ShardReport {
  const file = path.join(dir, 'summary.json');
  let summary: Summary;
  try {
    summary = parseSummary(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    throw new MergeInputError(file, `not a valid ${SUMMARY_FORMAT} (${(e as Error).message.split('\n')[0]})`);
  }
  const traces = summary.findings.map((f) => {
    const p = path.join(dir, f.file);
    try {
      return parseTraceText(fs.readFileSync(p, 'utf8'));
    } catch (e) {
      throw new MergeInputError(p, (e as Error).message);
    }
  });
  return { dir, summary, traces };
}

/** A shard directory that cannot be merged; `field` is its path. */
export class MergeInputError extends S2InputError {
  constructor(field: string, message: string) {
    super(field, message);
    this.name = 'MergeInputError';
  }
}

/** Signature hashes of the committed corpus (`*.json` traces with `found`). */
export function corpusHashes(corpusDir: string): Set<string> {
  const out = new Set<string>();
  if (!fs.existsSync(corpusDir)) return out;
  for (const f of fs.readdirSync(corpusDir).filter((n) => n.endsWith('.json')).sort()) {
    const sig = signatureOf(parseTraceText(fs.readFileSync(path.join(corpusDir, f), 'utf8')));
    if (sig) out.add(sig.hash);
  }
  return out;
}

/** The merged summary and the signatures that are new: neither a known kernel finding nor in the corpus. */
export interface MergeResult {
  summary: Summary;
  newFindings: string[];
}

/**
 * Merge `dirs` into `outDir`: counts add up, throughput is the sum over shards (they ran in
 * parallel), findings are deduplicated by signature keeping the best trace.
 */
export function mergeReports(dirs: readonly string[], outDir: string, opts: { corpus?: string; describe?: Describe } = {}): MergeResult {
  if (dirs.length === 0) throw new MergeInputError('DIR', 'no report directories given');
  const shards = dirs.map(readShard);
  const set = new FindingSet();
  const gen = emptyGenCounts();
  const checks: Record<string, number> = {};
  const cases: Record<string, number> = {};
  let casesCounted = false;
  let runs = 0, steps = 0, seconds = 0, sps = 0, rps = 0;
  for (const sh of shards) {
    sh.traces.forEach((t, i) => set.add(t, sh.summary.findings[i].hits));
    addGen(gen, genCountsOf(sh.summary.generator));
    addCounts(checks, sh.summary.invariantChecks);
    if (sh.summary.invariantCases) { casesCounted = true; addCounts(cases, sh.summary.invariantCases); }
    runs += sh.summary.runs;
    steps += sh.summary.steps;
    seconds = Math.max(seconds, sh.summary.seconds);
    sps += sh.summary.stepsPerSecond;
    rps += sh.summary.runsPerSecond;
  }
  const first = shards[0].summary;
  const findings = findingsOf(set);
  const summary: Summary = {
    format: SUMMARY_FORMAT, run: path.basename(path.resolve(outDir)), config: first.config, drawnConfig: first.drawnConfig, seed: first.seed,
    shards: [...new Set(shards.flatMap((s) => s.summary.shards))].sort(), workers: shards.reduce((n, s) => n + s.summary.workers, 0),
    stop: 'merged', interrupted: shards.some((s) => s.summary.interrupted), seconds, runs, steps, stepsPerSecond: sps, runsPerSecond: rps,
    invariantChecks: sortedCounts(checks), ...(casesCounted ? { invariantCases: sortedCounts(cases) } : {}), generator: genJson(gen),
    findings: findings.map((f) => f.entry),
  };
  writeReport(outDir, summary, findings, opts.describe);
  const inCorpus = opts.corpus ? corpusHashes(opts.corpus) : new Set<string>();
  return { summary, newFindings: newFindingsOf(findings.map((f) => f.entry)).filter((e) => !inCorpus.has(e.hash)).map((e) => e.signature) };
}
