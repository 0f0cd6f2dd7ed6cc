/**
 * Entry encodings KVM produces (kvm-s2-facts §2.2–§2.4, §21 items 3–6): invalid entries are 0 or
 * an owner annotation (owner ≤ max), never LOCKED at rest; valid leaves use one of the three
 * MemAttr encodings of the FWB mode, SH = Inner Shareable, no DBM / Contiguous, Device and NC
 * never executable, and no bits outside what the codec round-trips; tables carry no attributes.
 */
import { decode, encode, isCanonicalAtRest, isCounted, SH_INNER, toHex, type CodecCtx, type Descriptor } from '../descriptor/codec';
import { KVM_MAX_OWNER_ID } from '../ops/owner';
import type { Stage2Pgtable } from '../pgtable';
import { hex, type Problem } from './problem';
import { runEntryChecks, type EntryCheck, type EntryView } from './scan';

export interface EncodingOptions {
  /** Largest owner id allowed in an annotation; default KVM_MAX_OWNER_ID (1, facts §2.4). */
  maxOwner?: number;
}

function roundTrips(d: Descriptor, e: { lo: number; hi: number }, cc: CodecCtx): boolean {
  const [lo, hi] = encode(d, cc);
  return lo === e.lo && hi === e.hi;
}

/** Reasons a decoded entry is not something KVM stores at rest. */
function reasons(d: Descriptor, e: { lo: number; hi: number }, cc: CodecCtx, maxOwner: number): [string, string][] {
  if (d.kind === 'invalid') {
    if (d.locked) return [['lockedAtRest', 'LOCKED marker outside a break-before-make step']];
    if (!roundTrips(d, e, cc)) return [['invalidGarbage', 'invalid entry with bits other than an owner id']];
    return d.owner > maxOwner ? [['ownerTooLarge', `owner ${d.owner} > ${maxOwner}`]] : [];
  }
  if (d.kind === 'table') return roundTrips(d, e, cc) ? [] : [['tableAttrs', 'table descriptor carries attribute bits']];
  const out: [string, string][] = [];
  if (d.memtype === 'unknown') out.push(['memAttr', `MemAttr not one of the ${cc.fwb ? 'FWB' : 'non-FWB'} encodings`]);
  if (d.dbm) out.push(['dbm', 'DBM set']);
  if (d.cont) out.push(['contiguous', 'Contiguous set']);
  if (d.sh !== SH_INNER) out.push(['shareability', `SH ${d.sh}, expected ${SH_INNER}`]);
  if (d.perms.x && (d.memtype === 'device' || d.memtype === 'nc')) out.push(['execNonNormal', `${d.memtype} leaf is executable`]);
  if (d.memtype !== 'unknown' && !roundTrips(d, e, cc)) out.push(['strayBits', 'leaf carries bits KVM never sets']);
  return out;
}

/** Codes and reasons the decoded entry (lo, hi) at `level` gives (the slow path, without the codec's fast test). */
export const encodingReasons = (lo: number, hi: number, level: number, cc: CodecCtx, maxOwner: number): [string, string][] =>
  reasons(decode(lo, hi, level, cc), { lo, hi }, cc, maxOwner);

/** The encoding check as a scan participant. */
export function encodingCheck(pgt: Stage2Pgtable, opts: EncodingOptions = {}): EntryCheck {
  const cc: CodecCtx = { pageShift: pgt.geom.pageShift, fwb: pgt.fwb, lastLevel: pgt.lastLevel };
  const maxOwner = opts.maxOwner ?? KVM_MAX_OWNER_ID;
  const out: Problem[] = [];
  const visit = (e: EntryView): void => {
    if (!isCounted(e.lo, e.hi) || isCanonicalAtRest(e.lo, e.hi, e.level, cc, maxOwner)) return; // nothing to explain
    for (const [code, why] of encodingReasons(e.lo, e.hi, e.level, cc, maxOwner)) {
      out.push({ check: 'encoding', code, ipa: e.ipa, level: e.level, message: `${hex(e.ipa)} L${e.level} ${toHex(e.lo, e.hi)}: ${why}` });
    }
  };
  return { name: 'encoding', visit, finish: () => out };
}

/** Encoding problems of `pgt`. */
export const checkEncoding = (pgt: Stage2Pgtable, opts: EncodingOptions = {}): Problem[] =>
  runEntryChecks(pgt, [encodingCheck(pgt, opts)]);
