/** `summary.md`: the run at a glance, for CI logs and PR comments. */
import type { Summary } from './schema';

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

function shareTable(title: string, rec: Record<string, number>): string[] {
  const rows = Object.entries(rec).sort((a, b) => b[1] - a[1]);
  if (rows.length === 0) return [];
  return [`### ${title}`, '', '| name | share |', '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${pct(v)} |`), ''];
}

/** Render the summary as Markdown. */
export function summaryMarkdown(s: Summary): string {
  const lines = [
    `# s2check run ${s.run}`,
    '',
    `- seed ${s.seed}, shards ${s.shards.join(', ')}, workers ${s.workers}, bugs [${s.config.bugs.join(', ')}], cmoPolicy ${s.config.cmoPolicy}`,
    `- stopped by ${s.stop}${s.interrupted ? ' (interrupted)' : ''} after ${s.seconds.toFixed(1)} s`,
    `- ${s.runs} runs, ${s.steps} steps: ${Math.round(s.stepsPerSecond)} steps/s, ${s.runsPerSecond.toFixed(1)} runs/s`,
    `- findings: ${s.findings.length}`,
    '',
  ];
  if (s.findings.length > 0) {
    lines.push('## Findings', '', '| signature | steps | failing step | file | hits |', '|---|---:|---:|---|---:|');
    for (const f of s.findings) lines.push(`| ${f.signature} | ${f.steps} | ${f.step} | ${f.file} | ${f.hits} |`);
    lines.push('', `Replay one: \`npm run replay -- reports/out/${s.run}/<file>\``, '');
  }
  const checks = Object.entries(s.invariantChecks);
  if (checks.length > 0) lines.push('## Invariant checks', '', '| invariant | checks |', '|---|---:|', ...checks.map(([k, v]) => `| ${k} | ${v} |`), '');
  lines.push(`## Generator (${s.generator.traces} sampled traces, ${s.generator.steps} steps)`, '');
  lines.push(...shareTable('ops', s.generator.share.ops), ...shareTable('access kinds', s.generator.share.kinds), ...shareTable('impl outcomes', s.generator.share.outcomes));
  return `${lines.join('\n')}\n`;
}
