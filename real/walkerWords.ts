/**
 * The data the runner's guest walker needs for `s1ptw_write`, followed through a trace. The model
 * has no data, but the real walker writes a descriptor back (hardware Access flag update, TCR_EL1.HA)
 * only when the word it reads is a valid descriptor with AF clear. The runner's `vmmWrite` fills a
 * page with such words (real/runner/s2runner.c DESC_ARMED), and its userfaultfd handler supplies a
 * page the VMM wrote as written; a guest store zeroes a word, a walker's write-back sets its AF.
 *
 * Data lives in host page frames, so this follows the model's own host (its pfns are never reused)
 * and memslots: a page copied to a new frame (collapse, copy-on-write of the zero page) or freed and
 * refaulted holds zeros. An `s1ptw_write` is executable only where its word is still armed; every
 * rule errs towards "not armed" (refused, never mis-run).
 */
import { HostMm } from '../model/host/hostMm';
import { KvmModel } from '../model/index';
import type { Config } from '../model/types';
import type { Step } from '../properties/trace/codec';
import { applyOne, type Side } from '../properties/runner/executors';

const WORD = 8;
/** DC ZVA zeroes DCZID_EL0's block: 64 bytes on QEMU's CPUs. */
const ZVA_BLOCK = 64;
const GUEST_STORES: ReadonlySet<string> = new Set(['write', 'st_preidx', 'cas', 'dc_zva', 's1ptw_write']);
const hex = (n: number): string => `0x${n.toString(16)}`;

export class WalkerWords {
  private readonly side: Side<KvmModel>;
  private readonly page: number;
  private readonly thpAlways: boolean;
  /** Pages (hva) a vmmWrite stored to: what the runner's userfaultfd handler supplies there again. */
  private readonly written = new Set<number>();
  /** Armed frames, each with the word offsets no longer armed. */
  private readonly armed = new Map<number, Set<number>>();
  /** Why the model could not run an earlier step (the data is not followed past it), or null. */
  private broken: string | null = null;

  constructor(config: Config) {
    const host = new HostMm({ pageSize: config.granule, kernel: config.kernel, thp: config.thp });
    this.side = { host, kvm: new KvmModel(config, host) };
    this.page = config.granule;
    this.thpAlways = config.thp === 'always';
  }

  /**
   * Run `s` on the model and follow the data; for an `s1ptw_write` whose word is not armed, the
   * reason it cannot run instead (the step is then not run, as a caller dropping it expects).
   */
  step(s: Step): string | null {
    const hva = s.op === 'access' ? this.hvaOf(s.ipa) : undefined;
    if (s.op === 'access' && s.kind === 's1ptw_write') {
      const why = this.broken ?? (this.willBeArmed(hva) ? this.blockRefusal(s.ipa, hva) : 'the runner\'s walker writes back only a valid descriptor with AF clear, and no vmmWrite left one in that word');
      if (why !== null) return `s1ptw_write at ${hex(s.ipa)}: ${why}`;
    }
    if (this.broken !== null) return null;
    const absent = hva !== undefined && this.side.host.pte(hva) === undefined;
    let r: ReturnType<typeof applyOne>;
    try {
      r = applyOne(this.side, s);
    } catch (e) {
      this.broken = `the model could not run an earlier ${s.op} (${e instanceof Error ? e.message : String(e)}), so no word is known to hold a descriptor`;
      return null;
    }
    if (s.op === 'vmmWrite' && r?.outcome.kind === 'ok') this.arm(s.hva);
    if (hva === undefined || s.op !== 'access') return null;
    if (absent) this.suppliedByHandler(hva);
    if (GUEST_STORES.has(s.kind)) this.spend(hva, s.kind === 'dc_zva' ? ZVA_BLOCK : WORD);
    return null;
  }

  private arm(hva: number): void {
    const page = hva - (hva % this.page);
    this.written.add(page);
    const pfn = this.side.host.pte(page)?.pfn;
    if (pfn !== undefined) this.armed.set(pfn, new Set());
  }

  /** Is the word at hva armed, now or once the walker's stage-2 fault has the handler supply its page? */
  private willBeArmed(hva: number | undefined): boolean {
    if (hva === undefined) return false;
    const pte = this.side.host.pte(hva);
    if (pte === undefined) return this.handlerSupplies(hva);
    return this.armed.get(pte.pfn)?.has(this.wordOf(hva)) === false;
  }

  /**
   * QEMU 7.2 reports a stage-2 fault on a stage-1 walk with the walk's level (3 here), and KVM sizes
   * a permission fault by it: where stage 2 may map the descriptor's page with a block (a huge host
   * page, no dirty logging) KVM would take the walker's write for a page fault inside the block and
   * replay it forever. Why such a step cannot run, or null.
   */
  private blockRefusal(ipa: number, hva: number | undefined): string | null {
    const slot = [...this.side.kvm.memslots.values()].find((m) => ipa >= m.gpa && ipa < m.gpa + m.size);
    if (hva === undefined || slot === undefined || slot.flags.logDirty) return null;
    const v = this.side.host.findVma(hva);
    const leaf = this.side.kvm.mapping(Math.floor(ipa / this.page));
    const huge = (leaf !== undefined && leaf.leafSize > this.page) || (this.side.host.pte(hva)?.size ?? 0) > this.page
      || v?.kind === 'hugetlb' || (v?.kind === 'anon' && this.thpAlways);
    return huge ? 'stage 2 may map it with a block, and QEMU 7.2 reports the permission fault of the walker\'s write-back at the walk\'s level 3 (fixed in QEMU 8.1), so KVM would replay it forever' : null;
  }

  /** A missing page of an anon or hugetlb userfaultfd VMA comes back as the VMA last wrote it. */
  private handlerSupplies(hva: number): boolean {
    const v = this.side.host.findVma(hva);
    return v !== undefined && v.uffd === true && (v.kind === 'anon' || v.kind === 'hugetlb') && this.written.has(hva - (hva % this.page));
  }

  /** The access faulted a page in: where the handler supplied it, its frame holds the written words. */
  private suppliedByHandler(hva: number): void {
    const pte = this.side.host.pte(hva);
    if (pte === undefined || !this.handlerSupplies(hva)) return;
    this.armed.set(pte.pfn, new Set());
  }

  /** A store of `block` bytes at hva: those words are zero, or an Access flag is set, after it. */
  private spend(hva: number, block: number): void {
    const pfn = this.side.host.pte(hva)?.pfn;
    const spent = pfn === undefined ? undefined : this.armed.get(pfn);
    const first = hva - (hva % block);
    for (let a = first; a < first + block; a += WORD) spent?.add(this.wordOf(a));
  }

  private wordOf(hva: number): number {
    return (hva % this.page) - (hva % WORD);
  }

  /** The hva a memslot maps `ipa` to. */
  private hvaOf(ipa: number): number | undefined {
    for (const m of this.side.kvm.memslots.values()) if (ipa >= m.gpa && ipa < m.gpa + m.size) return m.hva + (ipa - m.gpa);
    return undefined;
  }
}
