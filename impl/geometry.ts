/** Stage-2 geometry: levels, start level, root concatenation and block levels (kvm-s2-facts §1). */
import { S2InputError, type Granule } from '../model/types';

export const LAST_LEVEL = 3;

export interface Geometry {
  readonly granule: Granule;
  readonly pageShift: number;
  /** log2(entries per table page) = pageShift − 3. */
  readonly tableBits: number;
  readonly entries: number;
  readonly iaBits: number;
  readonly levels: number;
  readonly startLevel: number;
  /** Number of concatenated root table pages. */
  readonly rootPages: number;
  /** Entries used in the (concatenated) root: rootPages × entries, or fewer for a partial root. */
  readonly rootEntries: number;
  /** Lowest level a block may live at (KVM_PGTABLE_MIN_BLOCK_LEVEL). */
  readonly minBlockLevel: number;
  /** shift(L) for L = 0..3 (root concatenation uses levelShift(pageShift, startLevel − 1)). */
  readonly shifts: readonly number[];
  /** Bytes covered by one entry at each level 0..3. */
  readonly granules: readonly number[];
  readonly ipaLimit: number;
  /**
   * Mask of an entry index at each level 0..3, applied to (ipa >> shift(L)): rootEntries − 1 at
   * the start level (the concatenated root), entries − 1 below it, 0 above it. Lets the hot walk
   * index tables with 32-bit shifts instead of float division and `%`.
   */
  readonly indexMasks: readonly number[];
  /** 2^−shift(L) for L = 0..3: ipa × this, truncated, is ipa >> shift(L) (exact: power-of-two scaling). */
  readonly invGranules: readonly number[];
}

const PAGE_SHIFTS: Record<Granule, number> = { 4096: 12, 16384: 14, 65536: 16 };

/** shift(L) = (PAGE_SHIFT − 3) × (4 − L) + 3 (ARM64_HW_PGTABLE_LEVEL_SHIFT). */
export const levelShift = (pageShift: number, level: number): number => (pageShift - 3) * (4 - level) + 3;

/** Geometries built so far, by granule and iaBits (immutable, so tables of one shape share one). */
const geometries = new Map<number, Geometry>();

/** The geometry of a stage-2 table (kvm_get_vtcr / kvm_pgtable_stage2_init; facts §1.2), built once per shape. */
export function makeGeometry(granule: Granule, iaBits: number): Geometry {
  // Own numeric keys only: a string '4096' or 'toString' from untyped input must not pass.
  const pageShift = typeof granule === 'number' && Object.hasOwn(PAGE_SHIFTS, granule) ? PAGE_SHIFTS[granule] : undefined;
  if (pageShift === undefined) throw new S2InputError('granule', `must be 4096, 16384 or 65536, got ${String(granule)}`);
  if (!Number.isInteger(iaBits) || iaBits < 32 || iaBits > 48) throw new S2InputError('iaBits', `must be 32..48, got ${iaBits}`);
  const key = pageShift * 64 + iaBits;
  let g = geometries.get(key);
  if (g === undefined) {
    g = buildGeometry(granule, pageShift, iaBits); // read-only by type; not frozen (frozen arrays lose their fast double elements)
    geometries.set(key, g);
  }
  return g;
}

function buildGeometry(granule: Granule, pageShift: number, iaBits: number): Geometry {
  const tableBits = pageShift - 3;
  // ARM64_HW_PGTABLE_LEVELS(ia_bits − 4): up to 16 root pages concatenated; at least 2 levels.
  const levels = Math.max(2, Math.floor((iaBits - 4 - 4) / tableBits));
  const startLevel = 4 - levels;
  const rootShift = levelShift(pageShift, startLevel - 1);
  // Small counts as int32 shifts, not `2 **` (a float result): V8 then keeps them, and the pool's
  // page counters they feed, as small-integer fields; one float-valued 2.0 would turn those fields
  // into boxed doubles for every table and deprecate the shapes the hot paths were optimised for.
  const rootPages = iaBits > rootShift ? 1 << (iaBits - rootShift) : 1;
  const rootEntries = 1 << (iaBits - levelShift(pageShift, startLevel));
  const shifts = [0, 1, 2, 3].map((l) => levelShift(pageShift, l));
  const indexMasks = [0, 1, 2, 3].map((l) => (l < startLevel ? 0 : l === startLevel ? rootEntries - 1 : (1 << tableBits) - 1) | 0); // int32 elements
  return {
    granule, pageShift, tableBits, entries: 1 << tableBits, iaBits, levels, startLevel,
    rootPages, rootEntries, minBlockLevel: granule === 4096 ? 1 : 2,
    shifts, granules: shifts.map((s) => 2 ** s), ipaLimit: 2 ** iaBits, indexMasks,
    invGranules: shifts.map((s) => 2 ** -s),
  };
}

/** Levels at which KVM may install blocks (facts §1.1): minBlockLevel..2. */
export function blockLevels(g: Geometry): number[] {
  const out: number[] = [];
  for (let l = g.minBlockLevel; l < LAST_LEVEL; l++) out.push(l);
  return out;
}

/** Index of `addr` inside a table page at `level` (root pages: use rootIndex). */
export const tableIndex = (g: Geometry, addr: number, level: number): number =>
  Math.floor(addr / g.granules[level]) % g.entries;

/** Index of `addr` across the concatenated root (facts §1.2). */
export const rootIndex = (g: Geometry, addr: number): number => Math.floor(addr / g.granules[g.startLevel]);

/**
 * addr rounded down to a multiple of `gran` (a power of two), without float `%`: a mask of the low
 * 32 bits for granules ≤ 2^31, else an exact power-of-two division.
 */
export const alignDown = (addr: number, gran: number): number =>
  gran <= 2147483648 ? addr - ((addr >>> 0) & (gran - 1)) : Math.floor(addr / gran) * gran;
