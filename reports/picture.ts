/** SVG picture of the IPA space: memslots as bands, stage-2 leaves coloured by memtype and permissions, the violating page outlined. */
import type { Maplet } from '../model/types';
import type { IpaView } from './view';

const W = 1000;
const GAP = 14;
const hex = (n: number): string => `0x${n.toString(16)}`;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Fill colour per stage-2 memory type (legend in the HTML). */
export const MEMTYPE_COLOUR: Readonly<Record<string, string>> = { normal: '#3a9d5d', nc: '#e09a2d', device: '#c8453c' };

interface Region { lo: number; hi: number; x: number; w: number }

/** Merge the interesting ranges into disjoint regions and give each a share of the width (√size, at least 60 px). */
function layout(ranges: [number, number][], highlight: number | null): Region[] {
  const rs = [...ranges];
  if (highlight !== null) rs.push([highlight, highlight + 1]);
  rs.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [lo, hi] of rs) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  const weights = merged.map(([lo, hi]) => Math.sqrt(hi - lo));
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const avail = W - GAP * Math.max(0, merged.length - 1);
  const minW = Math.min(60, avail / Math.max(1, merged.length));
  const raw = weights.map((wt) => Math.max(minW, (wt / total) * avail));
  const scale = avail / raw.reduce((a, b) => a + b, 0);
  let x = 0;
  return merged.map(([lo, hi], i) => {
    const r = { lo, hi, x, w: raw[i] * scale };
    x += r.w + GAP;
    return r;
  });
}

/** x of an address inside its region (or null when it is in none). */
function xOf(regions: Region[], a: number): number | null {
  const r = regions.find((g) => a >= g.lo && a <= g.hi);
  return r ? r.x + ((a - r.lo) / (r.hi - r.lo || 1)) * r.w : null;
}

const permsText = (m: Maplet): string => `${m.perms.r ? 'r' : '-'}${m.perms.w ? 'w' : '-'}${m.perms.x ? 'x' : '-'}`;

function leafRect(regions: Region[], m: Maplet): string {
  const x0 = xOf(regions, m.ipa) ?? 0;
  const x1 = xOf(regions, m.ipa + m.size) ?? x0;
  const w = Math.max(1.5, x1 - x0);
  const fill = MEMTYPE_COLOUR[m.memtype] ?? '#888';
  const opacity = m.perms.w ? 1 : m.perms.r ? 0.5 : 0.2;
  const title = `${hex(m.ipa)}..${hex(m.ipa + m.size)} → ${hex(m.pa)} ${permsText(m)} ${m.memtype} leaf ${hex(m.leafSize)}${m.af ? '' : ' (old)'}`;
  const xMark = m.perms.x ? `<rect class="exec" x="${x0.toFixed(1)}" y="52" width="${w.toFixed(1)}" height="4" fill="#222"/>` : '';
  return `<g class="leaf" data-ipa="${hex(m.ipa)}" data-size="${hex(m.size)}" data-perms="${permsText(m)}" data-memtype="${m.memtype}">` +
    `<rect x="${x0.toFixed(1)}" y="52" width="${w.toFixed(1)}" height="34" fill="${fill}" fill-opacity="${opacity}" stroke="${fill}"/>${xMark}` +
    // The permissions as text where the leaf is wide enough: "rw- vs r--" must read, not only shade.
    (w >= 22 ? `<text class="perms" x="${(x0 + 2).toFixed(1)}" y="74" font-size="10" font-family="monospace">${permsText(m)}</text>` : '') +
    `<title>${esc(title)}</title></g>`;
}

function slotRect(regions: Region[], s: IpaView['slots'][number]): string {
  const x0 = xOf(regions, s.gpa) ?? 0;
  const x1 = xOf(regions, s.gpa + s.size) ?? x0;
  const ro = s.flags.includes('READONLY');
  const label = `slot ${s.id}${s.flags.length ? ` ${s.flags.join('|')}` : ''}`;
  return `<g class="slot" data-slot="${s.id}" data-flags="${esc(s.flags.join(','))}">` +
    `<rect x="${x0.toFixed(1)}" y="18" width="${Math.max(1.5, x1 - x0).toFixed(1)}" height="26" fill="${ro ? '#9db4d6' : '#cfd8e3'}" stroke="#4a5d78"${ro ? ' stroke-dasharray="4 2"' : ''}/>` +
    `<text x="${(x0 + 3).toFixed(1)}" y="35" font-size="11">${esc(label)}</text><title>${esc(`${label}: ${hex(s.gpa)}..${hex(s.gpa + s.size)}`)}</title></g>`;
}

/**
 * Render one IPA view as an inline SVG. Regions with nothing in them are cut out (the gaps are
 * drawn as breaks), so a 40-bit IPA space with a few slots stays readable.
 * @param caption  shown above the picture (e.g. "before step 7")
 * @param highlight IPA of the violating page, outlined in red
 * @param granule  page size, for the highlight's width
 * @param cls      the svg's class (`ipa`, or `ipa-zoom` for a zoom)
 * @param extent   an IPA window always drawn whole (zooms)
 */
export function ipaSvg(view: IpaView, caption: string, highlight: number | null, granule = 4096, cls = 'ipa', extent?: [number, number]): string {
  const ranges: [number, number][] = [...(extent ? [extent] : []), ...view.slots.map((s): [number, number] => [s.gpa, s.gpa + s.size]), ...view.maplets.map((m): [number, number] => [m.ipa, m.ipa + m.size])];
  const page = highlight === null ? null : highlight - (highlight % granule);
  const regions = layout(ranges, page);
  const parts: string[] = [`<text x="0" y="11" font-size="12" font-weight="bold">${esc(caption)}</text>`];
  for (const r of regions) {
    parts.push(`<g class="region"><line x1="${r.x.toFixed(1)}" y1="92" x2="${(r.x + r.w).toFixed(1)}" y2="92" stroke="#555"/>` +
      `<text x="${r.x.toFixed(1)}" y="106" font-size="10">${hex(r.lo)}</text></g>`);
  }
  parts.push(...view.slots.map((s) => slotRect(regions, s)), ...view.maplets.map((m) => leafRect(regions, m)));
  if (page !== null) {
    const x0 = xOf(regions, page) ?? 0;
    const x1 = xOf(regions, page + granule) ?? x0;
    parts.push(`<rect class="violating" data-ipa="${hex(page)}" x="${(x0 - 2).toFixed(1)}" y="14" width="${Math.max(4, x1 - x0 + 4).toFixed(1)}" height="76" fill="none" stroke="#e00" stroke-width="2.5"><title>violating page ${hex(page)}</title></rect>`);
  }
  if (regions.length === 0) parts.push('<text class="empty" x="0" y="60" font-size="12">nothing mapped, no memslots</text>');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="${cls}" viewBox="-4 0 ${W + 8} 112" width="${W + 8}" height="112" role="img" aria-label="${esc(caption)}">${parts.join('')}</svg>`;
}

/** The part of `view` inside [lo, hi): slots and maplets clipped to the window (a zoom on the violating page). */
export function clipView(view: IpaView, lo: number, hi: number): IpaView {
  const clip = (a: number, size: number): [number, number] | null => {
    const s = Math.max(a, lo);
    const e = Math.min(a + size, hi);
    return s < e ? [s, e] : null;
  };
  const slots = view.slots.flatMap((sl) => { const c = clip(sl.gpa, sl.size); return c ? [{ ...sl, gpa: c[0], size: c[1] - c[0] }] : []; });
  const maplets = view.maplets.flatMap((m) => { const c = clip(m.ipa, m.size); return c ? [{ ...m, ipa: c[0], pa: m.pa + (c[0] - m.ipa), size: c[1] - c[0] }] : []; });
  return { slots, maplets };
}
