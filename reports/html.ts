/** Self-contained `summary.html` (inline CSS, JS and SVG; no external URL): stats, and per finding the trace, outcome table and IPA pictures. */
import { configText } from './configText';
import { invariantRows } from './stats';
import { kernelFindingById } from './kernelFindings';
import { serialize, type Trace } from '../properties/trace';
import { jestSnippet } from './jestSnippet';
import { clipView, ipaSvg, MEMTYPE_COLOUR } from './picture';
import type { FindingEntry, Summary } from './schema';
import type { FindingDetail, OutcomeRow } from './view';

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `body{font:14px system-ui,sans-serif;margin:20px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;font-size:12px}
tr.bad td{background:#fde4e1}pre{background:#f5f5f5;padding:8px;overflow:auto;font-size:11px;max-height:300px}
.finding{border:1px solid #bbb;border-radius:6px;padding:10px;margin:14px 0}.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px}button{margin:4px 0}`;

/** Tiny inline script: toggle the long blocks; stamp each picture with its rendered size (checked by the browser test). */
const JS = `document.querySelectorAll('button[data-toggle]').forEach(function(b){b.addEventListener('click',function(){
var e=document.getElementById(b.getAttribute('data-toggle'));e.hidden=!e.hidden;});});
document.querySelectorAll('svg.ipa').forEach(function(s){var r=s.getBoundingClientRect();
s.setAttribute('data-rendered',Math.round(r.width)+'x'+Math.round(r.height)+':'+s.querySelectorAll('g.leaf').length);});`;

export function table(head: string[], rows: string[][], cls: (i: number) => string = () => ''): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r, i) => `<tr class="${cls(i)}">${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

const shares = (rec: Record<string, number>): string[][] => Object.entries(rec).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, `${(100 * v).toFixed(1)}%`]);

function legend(): string {
  const sw = (c: string, o: number): string => `<span class="sw" style="background:${c};opacity:${o}"></span>`;
  return `<p class="legend">${Object.entries(MEMTYPE_COLOUR).map(([k, c]) => `<span>${sw(c, 1)}${k}</span>`).join('')}` +
    `<span>opacity: rw 100% · r 50% · none 20%</span><span>black top stripe: executable</span><span>dashed band: READONLY slot</span><span style="color:#e00">red outline: violating page</span></p>`;
}

/** Zoom on ±8 pages around the violating page, before and after (class "ipa-zoom"). */
function zoom(d: FindingDetail, step: number, granule: number): string {
  if (d.highlight === null || !d.before || !d.after) return '';
  const page = d.highlight - (d.highlight % granule);
  const lo = Math.max(0, page - 8 * granule);
  const hi = page + 9 * granule;
  return ipaSvg(clipView(d.before, lo, hi), `zoom before step ${step}: 0x${lo.toString(16)}..0x${hi.toString(16)}`, d.highlight, granule, 'ipa-zoom', [lo, hi]) +
    ipaSvg(clipView(d.after, lo, hi), `zoom after step ${step}`, d.highlight, granule, 'ipa-zoom', [lo, hi]);
}

function findingHtml(i: number, f: FindingEntry, trace: Trace, d: FindingDetail | null, granule: number): string {
  const rows = (d?.rows ?? []).map((r: OutcomeRow) => [String(r.index), r.op, r.args, r.model, r.impl, r.note ?? '']);
  const pics = d?.before && d.after
    ? ipaSvg(d.before, `before step ${f.step}`, d.highlight, granule) + ipaSvg(d.after, `after step ${f.step} (${f.op})`, d.highlight, granule)
      + (d.model ? ipaSvg(d.model, `the specification (model) after step ${f.step}: what it permits where the impl maps`, d.highlight, granule, 'ipa-model') : '') + zoom(d, f.step, granule)
    : '<p>(no picture: the trace could not be replayed in this build)</p>';
  const k = kernelFindingById(f.known);
  const knownNote = k ? `<p><b>Known kernel finding <code>${esc(k.id)}</code></b> (${esc(k.severity)}): ${esc(k.title)}.<br>Kernel: ${esc(k.kernelFunction)}; ${esc(k.versions)}.<br>Specification: ${esc(k.specification)}</p>` : '';
  const causeNote = f.cause?.length ? `<p><b>Caused by historical bug ${f.cause.map((b) => `<code>${esc(b)}</code>`).join(', ')}</b> (impl/bugs.ts): with it switched off the trace runs clean to step ${f.step}.</p>` : '';
  return `<section class="finding" id="finding-${f.hash}"><h3>${k ? '[known] ' : ''}${esc(f.signature)}</h3>${knownNote}${causeNote}
<p>${esc(d?.message ?? f.message)}<br>failing step ${f.step} of ${f.steps}, seed ${f.seed}, ${f.hits} hit(s), file <code>${esc(f.file)}</code></p>
<h4>IPA space</h4>${pics}
${d?.stateBefore?.length ? `<h4>State before step ${f.step} (after step ${f.step - 1})</h4><pre class="state">${esc(d.stateBefore.join('\n'))}</pre>` : ''}
${d?.state?.length ? `<h4>State after step ${f.step}</h4><pre class="state">${esc(d.state.join('\n'))}</pre>` : ''}
<h4>Outcomes (model vs impl)</h4>${table(['#', 'op', 'args', 'model', 'impl', ''], rows, (k) => ((d?.rows[k]?.bad ?? false) ? 'bad' : ''))}
<button data-toggle="trace-${i}">trace</button><pre id="trace-${i}" class="trace">${esc(serialize(trace))}</pre>
<button data-toggle="jest-${i}">jest test</button><pre id="jest-${i}" hidden>${esc(jestSnippet(trace))}</pre></section>`;
}

/** One finding as the HTML needs it. */
export interface HtmlFinding {
  entry: FindingEntry;
  trace: Trace;
  detail: FindingDetail | null;
}

/** Render the whole report page. */
/** A self-contained report page (the house style: one CSS, the toggle script). */
export const htmlPage = (title: string, body: string): string => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head><body>
${body}
<script>${JS}</script></body></html>
`;

export function summaryHtml(s: Summary, findings: readonly HtmlFinding[]): string {
  const head = table(['', ''], [
    ['seed', String(s.seed)], ['shards', s.shards.join(', ')], ['workers', String(s.workers)], ['config', configText(s.config, s.drawnConfig ?? [])],
    ['stop', `${s.stop}${s.interrupted ? ' (interrupted)' : ''}`], ['seconds', s.seconds.toFixed(1)], ['runs', String(s.runs)], ['steps', String(s.steps)],
    ['steps/s', String(Math.round(s.stepsPerSecond))], ['runs/s', s.runsPerSecond.toFixed(1)], ['findings', `${s.findings.length} (${s.findings.filter((f) => f.known === undefined).length} new, ${s.findings.filter((f) => f.known !== undefined).length} known kernel findings)`],
  ]);
  const checks = table(['invariant', 'checks', 'cases', ''], invariantRows(s.invariantChecks, s.invariantCases));
  const gen = `<div style="display:flex;gap:20px;flex-wrap:wrap">${table(['op', 'share'], shares(s.generator.share.ops))}${table(['access kind', 'share'], shares(s.generator.share.kinds))}${table(['impl outcome', 'share'], shares(s.generator.share.outcomes))}</div>`;
  const body = findings.map((f, i) => findingHtml(i, f.entry, f.trace, f.detail, s.config.granule)).join('\n');
  return htmlPage(`s2check ${s.run}`, `<h1>s2check run ${esc(s.run)}</h1>${head}
<h2>Findings (${s.findings.length})</h2>${findings.length ? legend() : '<p>none</p>'}${body}
<h2>Invariant checks</h2>${checks}
<h2>Generator (${s.generator.traces} sampled traces, ${s.generator.steps} steps)</h2>${gen}`);
}
