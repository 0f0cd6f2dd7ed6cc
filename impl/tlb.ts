/**
 * The guest's TLBs as state (issue 16): one per vCPU, filled by every stage-2 walk that reached a
 * leaf with AF set (allowed, or a permission fault: both may be cached, Arm ARM D8.13) and emptied
 * only by the TLB maintenance KVM issues. A cached entry holds the leaf's descriptor words as the
 * walk read them, its level and output, so an access that hits is served from it exactly as the walk would have served it then: a stale
 * entry after a missing or mis-targeted TLBI gives the old output, permissions and memory type,
 * or a permission fault the tables no longer justify.
 * Invalidation (Arm ARM D8.13): TLBI IPAS2E1IS by IPA removes, on every vCPU, the entries that
 * translate that IPA — with a level hint (TTL) only those of that level (D8.13.5: an entry of
 * another level need not be removed); the local (nsh) form only on the vCPU that issued it;
 * range TLBI and the VMID flush remove every entry in their span. Walk caches keep the table
 * entries each walk passed; a TLBI by IPA removes them only without a level hint (a hint names a
 * leaf's level), range and VMID flushes always. Cached table entries are checked (TLB_COHERENT),
 * not walked through. Not modelled: speculative fills, other VMIDs, broadcast completion timing.
 */
import * as C from './descriptor/codec';
import { fillFromTlb, type HwAccess } from './descriptor/hwWalk';
import { TLBI_LEVEL_UNKNOWN } from './effects';
import type { TranslateOut } from './translate';
import { makePathOut, stage2GetPath } from './ops/leaf';
import type { Stage2Pgtable } from './pgtable';

/** One cached stage-2 translation: the leaf's span, level, output base and descriptor words. */
export interface TlbEntry {
  readonly vcpu: number;
  readonly ipa: number;
  readonly size: number;
  readonly level: number;
  readonly pa: number;
  /** The walk's result tag (leaf decode and level), its descriptor words. */
  readonly tag: number;
  readonly lo: number;
  readonly hi: number;
}

/** "rw-:normal": an entry's permissions and memory type, decoded. */
export const describeTlbPerms = (e: TlbEntry, fwb: boolean): string =>
  `${C.isWritable(e.lo) ? 'rw' : 'r-'}${C.isExecutable(e.lo, e.hi) ? 'x' : '-'}:${C.memTypeOf(e.lo, fwb)}`;

/** One cached table entry (walk cache): the span it covers at its level and the table it pointed to. */
export interface WalkEntry {
  readonly vcpu: number;
  readonly ipa: number;
  readonly size: number;
  readonly level: number;
  readonly tablePa: number;
}

type LevelMaps<E = TlbEntry> = Map<number, E>[];
const newLevels = <E>(): LevelMaps<E> => [new Map(), new Map(), new Map(), new Map()];
const path = makePathOut();

export class Tlb {
  /** The vCPU running KVM's code and the guest right now: fills, hits and local TLBIs apply to it. */
  current = 0;
  private readonly cpus = new Map<number, LevelMaps>();
  private readonly walkCpus = new Map<number, LevelMaps<WalkEntry>>();
  private count = 0;
  private walkCount = 0;

  /** Leaf entries and walk-cache entries. */
  get size(): number {
    return this.count + this.walkCount;
  }

  *entries(): IterableIterator<TlbEntry> {
    for (const levels of this.cpus.values()) for (const m of levels) yield* m.values();
  }

  *walkEntries(): IterableIterator<WalkEntry> {
    for (const levels of this.walkCpus.values()) for (const m of levels) yield* m.values();
  }

  private levelsOf(vcpu: number): LevelMaps {
    let l = this.cpus.get(vcpu);
    if (l === undefined) this.cpus.set(vcpu, (l = newLevels()));
    return l;
  }

  private walkLevelsOf(vcpu: number): LevelMaps<WalkEntry> {
    let l = this.walkCpus.get(vcpu);
    if (l === undefined) this.walkCpus.set(vcpu, (l = newLevels()));
    return l;
  }

  /**
   * Serve `access` at `ipa` from the current vCPU's TLB: fill `out` as the walk that cached the
   * entry did (ok, or permission fault) and return true; false on a miss. The smallest leaf wins
   * when entries of several levels overlap (a TLB conflict the architecture leaves open).
   */
  lookup(ipa: number, sizes: readonly number[], access: HwAccess, out: TranslateOut): boolean {
    if (this.count === 0) return false;
    const levels = this.cpus.get(this.current);
    if (levels === undefined) return false;
    for (let level = 3; level >= 0; level--) {
      const m = levels[level];
      if (m.size === 0) continue;
      const size = sizes[level];
      const off = ipa % size;
      const e = m.get(ipa - off);
      if (e !== undefined) {
        fillFromTlb(out, e.tag, e.lo, e.hi, e.pa + off, access);
        return true;
      }
    }
    return false;
  }

  /**
   * Whether `vcpu` holds an entry translating `ipa` that denies one of `walks` (read, write, exec),
   * e.g. a read-only entry left by a relax flushed only on another vCPU.
   */
  denies(vcpu: number, ipa: number, walks: readonly ('read' | 'write' | 'exec')[]): boolean {
    const levels = this.cpus.get(vcpu);
    if (levels === undefined) return false;
    for (const m of levels) {
      for (const e of m.values()) {
        if (ipa < e.ipa || ipa >= e.ipa + e.size) continue;
        for (const w of walks) if ((w === 'write' && !C.isWritable(e.lo)) || (w === 'exec' && !C.isExecutable(e.lo, e.hi))) return true;
      }
    }
    return false;
  }

  /**
   * Cache the walk in `out` of `ipa` on the current vCPU: one that reached a leaf with AF set,
   * allowed or not (the architecture may cache a translation that gave a permission fault;
   * translation and access-flag faults are never cached). `pageShift`: the granule's.
   */
  fill(ipa: number, out: TranslateOut, pgt: Stage2Pgtable): void {
    const pageShift = pgt.geom.pageShift;
    this.fillWalks(ipa, pgt);
    const size = out.leafSize;
    const level = out.level;
    const m = this.levelsOf(this.current)[level];
    const base = ipa - (ipa % size);
    const oa = C.oaOf(out.lo, out.hi, pageShift);
    if (!m.has(base)) this.count++;
    m.set(base, { vcpu: this.current, ipa: base, size, level, pa: oa - (oa % size), tag: out.tag, lo: out.lo, hi: out.hi });
  }

  /** The walk cache: the table entries the walk to `ipa` passed, on the current vCPU. */
  private fillWalks(ipa: number, pgt: Stage2Pgtable): void {
    if (stage2GetPath(pgt, ipa, path) !== 0) return;
    const levels = this.walkLevelsOf(this.current);
    const g = pgt.geom;
    for (let i = 0; i < path.n; i++) {
      const level = path.level[i];
      const size = g.granules[level];
      const base = ipa - (ipa % size);
      const m = levels[level];
      const tablePa = C.oaOf(path.lo[i], path.hi[i], g.pageShift);
      const old = m.get(base);
      if (old?.tablePa === tablePa) continue; // already cached as it is
      if (old === undefined) this.walkCount++;
      m.set(base, { vcpu: this.current, ipa: base, size, level, tablePa });
    }
  }

  /** TLBI IPAS2E1(IS): entries translating `ipa`, of level `level` unless the hint is unknown; `local`: the current vCPU only. */
  invalidateIpa(ipa: number, level: number, local: boolean): void {
    // A level hint names a leaf's level: cached table entries go only with an unknown level (TTL 0).
    if (level === TLBI_LEVEL_UNKNOWN && this.walkCount > 0) {
      for (const [vcpu, levels] of this.walkCpus) {
        if (local && vcpu !== this.current) continue;
        for (const m of levels) for (const e of m.values()) if (ipa >= e.ipa && ipa < e.ipa + e.size) this.dropWalk(m, e.ipa);
      }
    }
    if (this.count === 0) return;
    for (const [vcpu, levels] of this.cpus) {
      if (local && vcpu !== this.current) continue;
      for (let l = 0; l < 4; l++) {
        if (level !== TLBI_LEVEL_UNKNOWN && level !== l) continue;
        const m = levels[l];
        for (const e of m.values()) if (ipa >= e.ipa && ipa < e.ipa + e.size) this.drop(m, e.ipa);
      }
    }
  }

  /** Range TLBI (or the VMID flush KVM falls back to): every entry overlapping [ipa, ipa+size), all vCPUs. */
  invalidateRange(ipa: number, size: number): void {
    for (const levels of this.walkCpus.values()) {
      for (const m of levels) for (const e of m.values()) if (e.ipa < ipa + size && ipa < e.ipa + e.size) this.dropWalk(m, e.ipa);
    }
    if (this.count === 0) return;
    for (const levels of this.cpus.values()) {
      for (const m of levels) for (const e of m.values()) if (e.ipa < ipa + size && ipa < e.ipa + e.size) this.drop(m, e.ipa);
    }
  }

  /** TLBI VMALLS12E1IS. */
  invalidateAll(): void {
    this.cpus.clear();
    this.walkCpus.clear();
    this.count = 0;
    this.walkCount = 0;
  }

  private dropWalk(m: Map<number, WalkEntry>, key: number): void {
    if (m.delete(key)) this.walkCount--;
  }

  private drop(m: Map<number, TlbEntry>, key: number): void {
    if (m.delete(key)) this.count--;
  }
}
