/** Fixed-width model-vs-impl diff of maplet rows, marking the first divergent row (pKVM abstraction_diff). */
import type { MemType, Perms } from '../../model/types';

/** One printed row: an IPA run, its PA, perms, memtype and leaf size (for the model: the largest permitted). */
export interface DiffRow {
  ipa: number;
  size: number;
  pa: number;
  perms: Perms;
  memtype: MemType;
  leaf: number;
}

/** A pair of rows for the same IPA; null means "nothing there" (model: not permitted; impl: unmapped). */
export interface DiffPair {
  model: DiffRow | null;
  impl: DiffRow | null;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const perms = (p: Perms): string => `${p.r ? 'r' : '-'}${p.w ? 'w' : '-'}${p.x ? 'x' : '-'}`;
const WIDTHS = [14, 10, 14, 5, 7, 10] as const;
const fmt = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(WIDTHS[i])).join(' | ');

function cells(r: DiffRow | null): string[] {
  if (!r) return ['-', '-', '-', '-', '-', '-'];
  return [hex(r.ipa), hex(r.size), hex(r.pa), perms(r.perms), r.memtype, hex(r.leaf)];
}

/**
 * A fixed-width table: header, then for each pair a `model` and an `impl` line; the pair at
 * `firstBad` is marked with `>>` (the others with two spaces).
 */
export function diffTable(pairs: readonly DiffPair[], firstBad: number): string {
  const head = `     side  ${fmt(['ipa', 'size', 'pa', 'perms', 'memtype', 'leaf'])}`;
  const lines = [head, '-'.repeat(head.length)];
  pairs.forEach((p, i) => {
    const mark = i === firstBad ? '>>' : '  ';
    lines.push(`${mark}  model  ${fmt(cells(p.model))}`);
    lines.push(`${mark}  impl   ${fmt(cells(p.impl))}`);
  });
  return lines.join('\n');
}

/** A row as a short one-line string (for Violation.expected / actual). */
export function rowText(r: DiffRow | null): string {
  return r ? `ipa ${hex(r.ipa)} size ${hex(r.size)} pa ${hex(r.pa)} ${perms(r.perms)} ${r.memtype} leaf ${hex(r.leaf)}` : 'nothing';
}
