/**
 * The stage-2 hardware walk: what the MMU does with the descriptor words for one guest access
 * (Arm ARM D8 "The AArch64 Virtual Memory System Architecture", stage 2 translation). Not a KVM
 * operation, so it reads the words in a direct loop rather than through the walker.
 */
import * as C from './descriptor/codec';
import { S2InputError, type Perms } from '../model/types';
import type { Stage2Pgtable } from './pgtable';

export type TranslateAccess = 'read' | 'write' | 'exec';
export type TranslateFault = 'translation' | 'permission' | 'accessFlag';

/** Result of one translation; one object is reused across calls (no allocation per access). */
export interface TranslateOut {
  ok: boolean;
  /** The stage-2 fault, or null when ok. */
  fault: TranslateFault | null;
  /** Level of the leaf (ok) or of the faulting lookup. */
  level: number;
  /** Output PA of the access (ok only). */
  pa: number;
  /** Permissions of the leaf when one was reached (ok, accessFlag, permission); all false otherwise. */
  perms: Perms;
  /** Memory type of the leaf when one was reached, else null. */
  memtype: C.DecodedMemType | null;
  /** Bytes the leaf maps (page or block size), 0 on translation fault. */
  leafSize: number;
}

/** A fresh out object for translate (allocate once, reuse). */
export const makeTranslateOut = (): TranslateOut => ({
  ok: false, fault: null, level: -1, pa: 0, perms: { r: false, w: false, x: false }, memtype: null, leafSize: 0,
});

function fail(out: TranslateOut, fault: TranslateFault, level: number): TranslateOut {
  out.ok = false;
  out.fault = fault;
  out.level = level;
  out.pa = 0;
  return out;
}

/**
 * Translate `ipa` for `access` and fill `out`. Faults, in Arm ARM priority order:
 * - translation: IPA ≥ 2^iaBits (reported at the start level: the IPA is beyond VTCR_EL2.T0SZ,
 *   and this model has no "level 0" lookup when the start level is higher); an invalid entry,
 *   LOCKED or owner-annotated included; a last-level entry without the type bit; a block at a
 *   level with no block support for the granule (reserved encoding);
 * - accessFlag: AF clear (hardware AF update, VTCR_EL2.HA, is not modelled here);
 * - permission: S2AP R for read, S2AP W for write, XN clear for exec.
 * Source: Arm ARM D8.3 descriptor formats, D8.4/D8.5 stage 2 permissions and AF, fault priority.
 */
export function translate(pgt: Stage2Pgtable, ipa: number, access: TranslateAccess, out: TranslateOut): TranslateOut {
  if (!Number.isInteger(ipa) || ipa < 0) throw new S2InputError('ipa', `must be a non-negative integer, got ${ipa}`);
  if (access !== 'read' && access !== 'write' && access !== 'exec') throw new S2InputError('access', `must be read, write or exec, got ${String(access)}`);
  const g = pgt.geom;
  out.perms.r = out.perms.w = out.perms.x = false;
  out.memtype = null;
  out.leafSize = 0;
  if (ipa >= g.ipaLimit) return fail(out, 'translation', g.startLevel);
  const pool = pgt.pool;
  const words = pool.words;
  const pageShift = g.pageShift;
  const wordShift = pool.wordShift;
  const baseHigh = pool.tableBaseHigh;
  const last = pgt.lastLevel;
  const ipaLow32 = ipa >>> 0;
  let level = g.startLevel;
  let ptr = (pgt.rootPage << wordShift) + 2 * levelIndex(ipa, g, level);
  for (;;) {
    const lo = words[ptr];
    const hi = words[ptr + 1];
    if (!C.isValid(lo)) return fail(out, 'translation', level);
    if (C.isTable(lo, level, last)) {
      level++;
      // Next table page: (OA − TABLE_PA_BASE) >> pageShift; 32-bit ops when the OA's HI bits are
      // the window's (always, for pools under 2^32 bytes), exact double math otherwise.
      const page = C.oaHighBits(hi) === baseHigh ? C.oaLowPage(lo, pageShift) : slowTablePage(pgt, lo, hi);
      ptr = (page << wordShift) + 2 * levelIndex(ipa, g, level);
      continue;
    }
    if (level === last ? !C.hasTypeBit(lo) : level < g.minBlockLevel) return fail(out, 'translation', level);
    return leafResult(pgt, ipaLow32, access, lo, hi, level, out);
  }
}

/**
 * (ipa >> shift(level)) & mask: ipa × 2^−shift is exact, and ToInt32 of its truncation keeps the
 * low 32 bits of the quotient exactly, which the (≤ 17-bit) mask then selects.
 */
const levelIndex = (ipa: number, g: Stage2Pgtable['geom'], level: number): number =>
  ((ipa * g.invGranules[level]) | 0) & g.indexMasks[level];

/** Table page id of a table descriptor whose OA lies outside the fast window: −1 when not a pool page. */
function slowTablePage(pgt: Stage2Pgtable, lo: number, hi: number): number {
  const page = C.oaPageNumber(lo, hi, pgt.geom.pageShift) - pgt.pool.tableBasePage;
  return page >= 0 && page < 2 ** 31 ? page | 0 : -1;
}

function leafResult(pgt: Stage2Pgtable, ipaLow32: number, access: TranslateAccess, lo: number, hi: number, level: number, out: TranslateOut): TranslateOut {
  const size = pgt.geom.granules[level];
  out.leafSize = size;
  out.perms.r = C.isReadable(lo);
  out.perms.w = C.isWritable(lo);
  out.perms.x = C.isExecutable(lo, hi);
  out.memtype = C.memTypeOf(lo, pgt.fwb);
  if (!C.isYoung(lo)) return fail(out, 'accessFlag', level);
  const allowed = access === 'read' ? out.perms.r : access === 'write' ? out.perms.w : out.perms.x;
  if (!allowed) return fail(out, 'permission', level);
  // OA bits below the block size are RES0; the hardware takes the in-block offset from the IPA.
  // Leaf sizes are ≤ 2^30 (blocks live at levels ≥ 1 for 4K, ≥ 2 for 16K/64K), so the in-block
  // offsets are masks of the low 32 bits.
  const oa = C.oaOf(lo, hi, pgt.geom.pageShift);
  const offsetMask = size - 1;
  out.ok = true;
  out.fault = null;
  out.level = level;
  out.pa = oa - ((oa >>> 0) & offsetMask) + (ipaLow32 & offsetMask);
  return out;
}
