/**
 * The policy diff's report, in the house format: summary.json (`s2check-diff/1`), summary.md,
 * summary.html and one `diff-<hash>.json` trace per difference class, written atomically. No wall
 * clock in the files: the same seed and --runs give the same bytes.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { configSchema, serialize, type Trace } from '../properties/trace';
import { writeAtomic } from './atomic';
import { esc, htmlPage, table } from './html';
import { ipaSvg } from './picture';
import type { IpaView } from './view';

export const DIFF_FORMAT = 's2check-diff/1';

const count = z.number().int().nonnegative();

/** One difference class as the summary lists it. */
export const diffEntrySchema = z.object({
  class: z.string(),
  hash: z.string().regex(/^[0-9a-f]{12}$/),
  file: z.string(),
  hits: count,
  /** The differing step of the minimal trace, and the trace's length. */
  step: count,
  steps: count,
  /** What the impl showed at that step under A and under B (the expect keys). */
  a: z.string(),
  b: z.string(),
  /** Whether each side's impl agrees with its own model on the minimal trace (`agrees`, or the first violation). */
  specA: z.string(),
  specB: z.string(),
}).strict();

export const diffSummarySchema = z.object({
  format: z.literal(DIFF_FORMAT),
  a: configSchema.partial(),
  b: configSchema.partial(),
  /** The config traces start from and the keys each trace drew for itself. */
  config: configSchema,
  drawnConfig: z.array(z.string()),
  seed: z.number().int(),
  stop: z.enum(['runs', 'time', 'signal']),
  runs: count,
  steps: count,
  /** Traces B's config could not run (a step invalid there): not compared. */
  incomparable: count,
  classes: z.array(diffEntrySchema),
  /** Classes of steps that ran under both and agreed, with counts: what "no difference" covers. */
  agreed: z.record(z.string(), count),
}).strict();

export type DiffEntry = z.infer<typeof diffEntrySchema>;
export type DiffSummary = z.infer<typeof diffSummarySchema>;

/** A class's file hash: the first 12 hex digits of sha256(class). */
export const diffHash = (cls: string): string => createHash('sha256').update(cls).digest('hex').slice(0, 12);

/** What the report draws for one class: the IPA space after the differing step under each config. */
export interface DiffDetail {
  viewA: IpaView;
  viewB: IpaView;
  highlight: number | null;
}

/** One class as written: entry, trace, detail. */
export interface DiffItem {
  entry: DiffEntry;
  trace: Trace;
  detail: DiffDetail | null;
}

/** A markdown table cell: pipes escaped (class names carry `enosys|nisv`). */
const cell = (t: string): string => t.replace(/\|/g, '\\|');

function markdown(s: DiffSummary, dir: string): string {
  const lines = [
    `# s2check policy diff`, '',
    `- A: \`${JSON.stringify(s.a)}\``, `- B: \`${JSON.stringify(s.b)}\``,
    `- seed ${s.seed}, ${s.runs} runs, ${s.steps} steps, stopped by ${s.stop}; drawn per trace: ${s.drawnConfig.join(', ') || 'none'}`,
    `- ${s.classes.length} difference class(es); ${s.incomparable} trace(s) not comparable`, '',
  ];
  if (s.classes.length > 0) {
    lines.push('## Differences', '', '| class | hits | steps | under A | under B | impl vs spec (A / B) | file |', '|---|---:|---:|---|---|---|---|');
    for (const c of s.classes) lines.push(`| ${cell(c.class)} | ${c.hits} | ${c.steps} | ${cell(c.a)} | ${cell(c.b)} | ${c.specA} / ${c.specB} | ${c.file} |`);
    lines.push('', `Explain one: \`npm run diff -- explain ${path.join(dir, s.classes[0].file)}\``, '');
  }
  const agreed = Object.entries(s.agreed);
  lines.push(`## Exercised without a difference (${agreed.length} classes)`, '', '| class | steps |', '|---|---:|', ...agreed.map(([k, v]) => `| ${cell(k)} | ${v} |`), '');
  return `${lines.join('\n')}\n`;
}

function html(s: DiffSummary, items: readonly DiffItem[]): string {
  const head = table(['', ''], [['A', JSON.stringify(s.a)], ['B', JSON.stringify(s.b)], ['seed', String(s.seed)], ['runs', String(s.runs)], ['steps', String(s.steps)],
    ['stop', s.stop], ['drawn per trace', s.drawnConfig.join(', ') || 'none'], ['not comparable', String(s.incomparable)], ['difference classes', String(s.classes.length)]]);
  const rows = items.map(({ entry: c, trace, detail: d }, i) => {
    const pics = d ? ipaSvg(d.viewA, `under A, after step ${c.step}`, d.highlight, trace.config.granule) + ipaSvg(d.viewB, `under B, after step ${c.step}`, d.highlight, trace.config.granule) : '';
    return `<section class="finding"><h3>${esc(c.class)}</h3>
<p>${c.hits} hit(s); minimal trace of ${c.steps} steps differs at step ${c.step}; file <code>${esc(c.file)}</code></p>
${table(['', 'under A', 'under B'], [['result', c.a, c.b], ['impl vs its specification', c.specA, c.specB]])}
${pics}
<button data-toggle="diff-${i}">trace</button><pre id="diff-${i}" hidden>${esc(serialize(trace))}</pre></section>`;
  }).join('\n');
  const agreed = table(['class', 'steps'], Object.entries(s.agreed).map(([k, v]) => [k, String(v)]));
  return htmlPage('s2check policy diff', `<h1>s2check policy diff</h1>${head}
<h2>Differences (${s.classes.length})</h2>${rows || '<p>none</p>'}
<h2>Exercised without a difference (${Object.keys(s.agreed).length} classes)</h2>${agreed}`);
}

/** Write the report into `dir`: class traces first, then the summaries; stale diff files removed. */
export function writeDiffReport(dir: string, s: DiffSummary, items: readonly DiffItem[]): void {
  const summary = diffSummarySchema.parse(s);
  for (const it of items) writeAtomic(path.join(dir, it.entry.file), serialize(it.trace));
  writeAtomic(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeAtomic(path.join(dir, 'summary.md'), markdown(summary, dir));
  writeAtomic(path.join(dir, 'summary.html'), html(summary, items));
  const keep = new Set(items.map((it) => it.entry.file));
  for (const f of fs.readdirSync(dir)) if (/^diff-[0-9a-f]{12}\.json$/.test(f) && !keep.has(f)) fs.rmSync(path.join(dir, f), { force: true });
}
