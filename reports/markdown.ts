/** `summary.md`: the run at a glance, for CI logs and PR comments. */
import type { Summary } from './schema';
import { kernelFindingById } from './kernelFindings';
import { newFindingsOf } from './writer';
import { configText, shellQuote } from './configText';
import { invariantRows } from './stats';
import * as path from 'path';

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function shareTable(title: string, rec: Record<string, number>): string[] {
  const rows = Object.entries(rec).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return [];
  return [`### ${title}`, '', '| name | share |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${pct(v)} |`), ''];
}

/** Render the summary as Markdown; `dir` is where the report is written (its findings' files are there). */
export function summaryMarkdown(s: Summary, dir?: string): string {
  const fresh = newFindingsOf(s.findings);
  const known = s.findings.filter((f) => f.known !== undefined);
  const lines = [
    `# s2check run ${s.run}`,
    '',
    `- seed ${s.seed}, shards ${s.shards.join(', ')}, workers ${s.workers}`,
    `- config: ${configText(s.config, s.drawnConfig ?? [])}`,
    `- stopped by ${s.stop}${s.interrupted ? ' (interrupted)' : ''} after ${s.seconds.toFixed(1)} s`,
    `- ${s.runs} runs, ${s.steps} steps: ${Math.round(s.stepsPerSecond)} steps/s, ${s.runsPerSecond.toFixed(1)} runs/s`,
    `- findings: ${s.findings.length} (${fresh.length} new, ${known.length} known kernel finding(s))`,
    '',
  ];
  if (fresh.length > 0) {
    lines.push('## New findings', '', '| signature | steps | failing step | file | hits |', '|---|---:|---:|---|---:|');
    for (const f of fresh) lines.push(`| ${f.signature} | ${f.steps} | ${f.step} | ${f.file} | ${f.hits} |`);
    lines.push('');
  }
  if (known.length > 0) {
    lines.push('## Known kernel findings', '', 'Mainline behaviour the specification does not permit, registered in `reports/kernelFindings.ts` (not a failure of this run).', '',
      '| kernel finding | signature | kernel function | hits | file |', '|---|---|---|---:|---|');
    for (const f of known) lines.push(`| ${f.known} | ${f.signature} | ${kernelFindingById(f.known)?.kernelFunction.split(' (')[0] ?? ''} | ${f.hits} | ${f.file} |`);
    lines.push('');
  }
  if (s.findings.length > 0) lines.push(`Replay one: \`npm run replay -- ${shellQuote(path.join(dir ?? path.join('reports', 'out', s.run), s.findings[0].file))}\``, '');
  const rows = invariantRows(s.invariantChecks, s.invariantCases);
  if (rows.length > 0) {
    lines.push('## Invariant checks', '', 'checks: steps the invariant ran on; cases: steps that showed it something it could reject (a leaf in a READONLY slot, an open invalidation, ...).', '',
      '| invariant | checks | cases | |', '|---|---:|---:|---|', ...rows.map((r) => `| ${r.join(' | ')} |`), '');
  }
  lines.push(`## Generator (${s.generator.traces} sampled traces, ${s.generator.steps} steps)`, '');
  lines.push(...shareTable('ops', s.generator.share.ops), ...shareTable('access kinds', s.generator.share.kinds), ...shareTable('impl outcomes', s.generator.share.outcomes));
  return `${lines.join('\n')}\n`;
}
