/**
 * The data in the trace's memory on the runner, followed through a trace: what the model has no
 * word for, but the real kernel shows. The runner's guest stores zeros, its `vmmWrite` fills a page
 * with valid stage-1 page descriptors whose Access flag is clear (real/runner/s2runner.c
 * DESC_ARMED, for the trace's window), its userfaultfd handler hands a page the VMM wrote back as
 * written, and a walker with hardware AF updates (`s1ptw_write`) sets AF in such a word.
 *
 * Data lives in host page frames, so this follows the model's own host (its pfns are never reused,
 * copies are reported) and memslots. Two uses: an `s1ptw_write` is executable only where its word
 * holds a descriptor the walker writes back (else the real walker only reads), and the value a guest
 * load returns is predicted: the word of the frame the host maps at that address now, so a kernel
 * that leaves the guest on a stale frame reads the wrong data. Where it cannot know (a device BAR,
 * whose memory outlives a trace; an unaligned store), the value is unknown, never guessed.
 */
import { HostMm } from '../model/host/hostMm';
import { KvmModel } from '../model/index';
import type { Memslot } from '../model/memslotTypes';
import type { Config } from '../model/types';
import type { Step } from '../properties/trace/codec';
import { applyOne, type Side } from '../properties/runner/executors';

const WORD = 8;
/** DC ZVA zeroes DCZID_EL0's block: 64 bytes on QEMU's CPUs. */
const ZVA_BLOCK = 64;
/** The runner's DESC_ARMED: a level-3 page descriptor of its window, inner shareable, attr0, AF clear. */
const descArmed = (window: number): number => window + 0x303;
const AF = 0x400;
const LOADS: ReadonlySet<string> = new Set(['read', 'ld_preidx']);
/** Stores of zero (x1 = 0); a CAS compares with 0 and stores 0, so it never changes a word. */
const ZERO_STORES: ReadonlySet<string> = new Set(['write', 'st_preidx']);
const hex = (n: number): string => `0x${n.toString(16)}`;
/** A word whose value is not known. */
const UNKNOWN = -1;

export class GuestMemory {
  private readonly side: Side<KvmModel>;
  private readonly page: number;
  private readonly thpAlways: boolean;
  private readonly armedWord: number;
  /** Pages (hva) a vmmWrite stored to: what the runner's userfaultfd handler supplies there again. */
  private readonly written = new Set<number>();
  /** Words of frames that are not all zeros: pfn → word offset → value (UNKNOWN when not known). */
  private readonly words = new Map<number, Map<number, number>>();
  /** Frames whose words are unknown unless set here (device BARs). */
  private readonly unknownFrames = new Set<number>();
  /** Frames the trace has seen mapped: a frame seen first after a userfaultfd VMA faulted it in came from the handler. */
  private readonly seen = new Set<number>();
  /** Why the model could not run an earlier step (the data is not followed past it), or null. */
  private broken: string | null = null;
  /** The value the last load step read, null when not known, undefined when the last step was no load that completed. */
  private loaded: number | null | undefined;

  constructor(config: Config, window: number) {
    const host = new HostMm({ pageSize: config.granule, kernel: config.kernel, thp: config.thp });
    host.observeCopies((src, dst, pages) => this.copy(src, dst, pages));
    this.side = { host, kvm: new KvmModel(config, host) };
    this.page = config.granule;
    this.thpAlways = config.thp === 'always';
    this.armedWord = descArmed(window);
  }

  /** What the last step's load read by this account: a value, null (not known), undefined (no completed load). */
  get lastLoad(): number | null | undefined {
    return this.loaded;
  }

  /**
   * Run `s` on the model and follow the data; for an `s1ptw_write` whose word holds no descriptor
   * to write back, the reason it cannot run instead (the step is then not run, as a caller
   * dropping it expects).
   */
  step(s: Step): string | null {
    this.loaded = undefined;
    const hva = s.op === 'access' ? this.hvaOf(s.ipa) : undefined;
    if (s.op === 'access' && s.kind === 's1ptw_write') {
      const why = this.broken ?? (this.willBeArmed(hva) ? this.blockRefusal(s.ipa, hva) : 'the runner\'s walker writes back only a valid descriptor with AF clear, and no vmmWrite left one in that word');
      if (why !== null) return `s1ptw_write at ${hex(s.ipa)}: ${why}`;
    }
    if (this.broken !== null) return null;
    let r: ReturnType<typeof applyOne>;
    try {
      r = applyOne(this.side, s);
    } catch (e) {
      this.broken = `the model could not run an earlier ${s.op} (${e instanceof Error ? e.message : String(e)}), so no word is known to hold a descriptor`;
      return null;
    }
    if (s.op === 'vmmWrite') {
      this.noteSupplied(s.hva);
      if (r?.outcome.kind === 'ok') this.storePage(s.hva);
    }
    if (hva === undefined || s.op !== 'access') return null;
    this.noteSupplied(hva);
    const at = this.frameWord(hva);
    if (at === undefined) return null;
    // The model's outcome says whether the access completed: a load read, a store stored, the walker wrote AF back.
    if (r?.outcome.kind !== 'ok') return null;
    if (LOADS.has(s.kind)) this.loaded = hva % WORD === 0 ? this.valueAt(at.pfn, at.word) : null;
    if (ZERO_STORES.has(s.kind)) this.storeZeros(at.pfn, hva, WORD);
    if (s.kind === 'dc_zva') this.storeZeros(at.pfn, hva - (hva % ZVA_BLOCK), ZVA_BLOCK);
    if (s.kind === 's1ptw_write' && this.valueAt(at.pfn, at.word) === this.armedWord) this.set(at.pfn, at.word, this.armedWord + AF);
    return null;
  }

  /** The VMM's stores over the page holding hva. */
  private storePage(hva: number): void {
    const page = hva - (hva % this.page);
    this.written.add(page);
    const pfn = this.side.host.pte(page)?.pfn;
    if (pfn === undefined) return;
    const m = new Map<number, number>();
    for (let w = 0; w < this.page; w += WORD) m.set(w, this.armedWord);
    this.words.set(pfn, m);
  }

  /** A guest store of zeros over `size` bytes at hva (an unaligned one makes the words it touches unknown). */
  private storeZeros(pfn: number, hva: number, size: number): void {
    const off = hva % this.page;
    const first = off - (off % WORD);
    const value = off % WORD === 0 ? 0 : UNKNOWN;
    for (let w = first; w < off + size && w < this.page; w += WORD) this.set(pfn, w, value);
  }

  /** Is the word at hva armed now, or will the handler supply it armed on the walker's stage-2 fault? */
  private willBeArmed(hva: number | undefined): boolean {
    if (hva === undefined) return false;
    const at = this.frameWord(hva);
    if (at === undefined) return this.handlerSupplies(hva);
    return this.valueAt(at.pfn, at.word) === this.armedWord;
  }

  /**
   * QEMU 7.2 reports a stage-2 fault on a stage-1 walk with the walk's level (3 here), and KVM sizes
   * a permission fault by it: where stage 2 may map the descriptor's page with a block (a huge host
   * page, no dirty logging) KVM would take the walker's write for a page fault inside the block and
   * replay it forever. Why such a step cannot run, or null.
   */
  private blockRefusal(ipa: number, hva: number | undefined): string | null {
    const slot = this.slotOf(ipa);
    if (hva === undefined || slot === undefined || slot.flags.logDirty) return null;
    const v = this.side.host.findVma(hva);
    const leaf = this.side.kvm.mapping(Math.floor(ipa / this.page));
    const huge = (leaf !== undefined && leaf.leafSize > this.page) || (this.side.host.pte(hva)?.size ?? 0) > this.page
      || v?.kind === 'hugetlb' || (v?.kind === 'anon' && this.thpAlways);
    return huge ? 'stage 2 may map it with a block, and QEMU 7.2 reports the permission fault of the walker\'s write-back at the walk\'s level 3 (fixed in QEMU 8.1), so KVM would replay it forever' : null;
  }

  /** A missing page of a userfaultfd VMA comes back as the VMM last wrote it. */
  private handlerSupplies(hva: number): boolean {
    const v = this.side.host.findVma(hva);
    return v !== undefined && v.uffd === true && this.written.has(hva - (hva % this.page));
  }

  /**
   * After a step that may have faulted hva's unit in: a frame not seen before, in a userfaultfd
   * VMA, came from the handler (its written pages armed, the rest zeros); a device BAR frame holds
   * whatever earlier traces left.
   */
  private noteSupplied(hva: number): void {
    const u = this.side.host.pteExtent(hva);
    if (u === undefined) return;
    const v = this.side.host.findVma(hva);
    const base = v?.kind === 'pfnmap' ? hva - (hva % this.page) : hva - (hva % u.size);
    const size = v?.kind === 'pfnmap' ? this.page : u.size;
    for (let p = base; p < base + size; p += this.page) {
      const pfn = this.side.host.pte(p)?.pfn;
      if (pfn === undefined || this.seen.has(pfn)) continue;
      this.seen.add(pfn);
      if (!this.side.host.isRamPfn(pfn)) this.unknownFrames.add(pfn);
      else if (v?.uffd === true && this.written.has(p) && !this.words.has(pfn)) this.storePage(p);
    }
  }

  /** The host copied `pages` frames (migration, collapse): their words go along. */
  private copy(src: number, dst: number, pages: number): void {
    for (let k = 0; k < pages; k++) {
      const m = this.words.get(src + k);
      if (m) this.words.set(dst + k, new Map(m));
      if (this.unknownFrames.has(src + k)) this.unknownFrames.add(dst + k);
      this.seen.add(dst + k);
    }
  }

  private set(pfn: number, word: number, value: number): void {
    let m = this.words.get(pfn);
    if (m === undefined) this.words.set(pfn, (m = new Map()));
    m.set(word, value);
  }

  /** A word's value, null when not known. */
  private valueAt(pfn: number, word: number): number | null {
    const v = this.words.get(pfn)?.get(word);
    if (v !== undefined) return v === UNKNOWN ? null : v;
    return this.unknownFrames.has(pfn) ? null : 0;
  }

  /** The frame the host maps at hva now and the word offset in it; undefined when nothing is mapped. */
  private frameWord(hva: number): { pfn: number; word: number } | undefined {
    const pfn = this.side.host.pte(hva)?.pfn;
    return pfn === undefined ? undefined : { pfn, word: (hva % this.page) - (hva % WORD) };
  }

  /** The memslot holding `ipa`. */
  private slotOf(ipa: number): Memslot | undefined {
    for (const m of this.side.kvm.memslots.values()) if (ipa >= m.gpa && ipa < m.gpa + m.size) return m;
    return undefined;
  }

  /** The hva a memslot maps `ipa` to. */
  private hvaOf(ipa: number): number | undefined {
    const m = this.slotOf(ipa);
    return m === undefined ? undefined : m.hva + (ipa - m.gpa);
  }
}
