/** user_mem_abort in two halves: resolve the pfn (steps 1–12), then commit under the lock (steps 13–20). */
import { isExecFault } from '../arch/esr';
import { walkToDeviceFaults } from '../arch/permission';
import type { Memslot } from '../memslotTypes';
import type { AccessKind, Outcome, Perms } from '../types';
import { classifyBacking } from './backing';
import { blockSizes, largestLeafSize, thpAdjust, vmaLeafSize } from './blockSize';
import type { S2Leaf } from '../stage2';
import { loggingActive, markDirty } from '../dirtylog';
import { gfnToHva } from '../memslotLookup';
import type { KvmState, ResolvedFault } from './state';

/** A fault to resolve: the access, its slot, and how KVM classified it. */
export interface FaultRequest {
  vcpu: number;
  ipa: number;
  kind: AccessKind;
  slot: Memslot;
  writeFault: boolean;
  permFault: boolean;
}

/** Either a final outcome before the lock is taken, or a resolved fault waiting for the commit. */
export type ResolveResult = { kind: 'exit'; outcome: Outcome } | { kind: 'resolved'; fault: ResolvedFault };

const exit = (outcome: Outcome): ResolveResult => ({ kind: 'exit', outcome });

/**
 * Steps 1–12: reject perm faults that are neither write nor exec, find the VMA, size the mapping
 * and align the gfn down to it, sample mmu_seq, fault the pfn of the aligned gfn in, classify the
 * backing, refuse exec on non-cacheable memory, drop W for reads while logging.
 * Source: user_mem_abort, arch/arm64/kvm/mmu.c (facts §15.4).
 */
export function resolveFault(st: KvmState, req: FaultRequest): ResolveResult {
  const exec = isExecFault(req.kind);
  if (req.permFault && !req.writeFault && !exec) return exit({ kind: 'efault' }); // step 1
  const page = st.config.granule;
  const gfn = Math.floor(req.ipa / page);
  const permGranule = faultGranule(st, req, gfn); // read from the ESR: the leaf as it was when the fault was taken
  const hva = gfnToHva(req.slot, gfn, page);
  const vma = st.host.findVma(hva);
  if (!vma) return exit({ kind: 'efault' }); // step 3
  const logging = loggingActive(req.slot);
  const sized = vmaLeafSize({ slot: req.slot, vma, hva, granule: st.config.granule, logging }); // steps 4–5
  const mapGfn = alignDown(gfn, sized.size / page); // step 6
  const mmuSeq = st.notifier.seq; // step 8: sampled before the pfn is resolved (§14.4)
  const readonly = req.slot.flags.readonly;
  const pfn = st.host.hvaToPfn(gfnToHva(req.slot, mapGfn, page), { write: req.writeFault, writableOk: !readonly }); // step 9, §16
  if (pfn.kind === 'hwpoison') return exit({ kind: 'sigbus' });
  if (pfn.kind !== 'ok') return exit({ kind: 'efault' }); // error / RO-fault pfn
  const backing = classifyBacking(vma, st.host.isRamPfn(pfn.pfn), st.config); // step 10
  if (backing.kind === 'efault') return exit({ kind: 'efault' });
  let writable = pfn.writable && !readonly; // faultin: READONLY forces writable = false (§16)
  if (!backing.nonRamPfnmap && logging && !req.writeFault) writable = false; // step 10 else-branch
  if (exec && !backing.execOk) return exit({ kind: 'injectPabt' }); // step 11: -ENOEXEC
  // A stage-1 walk into a Device leaf (HCR_EL2.PTW) faults whatever the leaf's permissions: no mapping
  // can let it finish, so the specification injects a data abort, as kvm_handle_guest_abort does for a
  // walk outside memory. Mainline relaxes the leaf and re-enters forever (kernel finding s1ptw-device-livelock).
  const leaf = st.stage2.get(gfn);
  if (req.permFault && leaf && walkToDeviceFaults(req.kind, leaf.memtype)) return exit({ kind: 'injectDabt' });
  const fault: ResolvedFault = {
    vcpu: req.vcpu, ipa: req.ipa, kind: req.kind, gfn, slotId: req.slot.id,
    slotGeneration: st.slotGeneration, mmuSeq, permFault: req.permFault, faultGranule: permGranule,
    hva, size: sized.size, forcePte: sized.forcePte, mapGfn, nonCacheable: backing.nonCacheable, pfn: pfn.pfn, writable,
    exec: exec || (backing.execOk && st.config.dic), memtype: backing.memtype,
  };
  return { kind: 'resolved', fault };
}

/** `n` rounded down to a multiple of `m`. */
const alignDown = (n: number, m: number): number => Math.floor(n / m) * m;

/** The permission fault's granule: the size of the leaf that took it (ESR FSC level, facts §15.1, §15.4 step 1). */
function faultGranule(st: KvmState, req: FaultRequest, gfn: number): number {
  return req.permFault ? (st.stage2.get(gfn)?.leafSize ?? 0) : 0;
}

/**
 * Step 14: a PAGE size without force_pte for cacheable memory keeps a permission fault's larger
 * granule, else may become a PMD (THP adjust); other sizes stay. Source: user_mem_abort (facts §15.4).
 */
function mapSize(st: KvmState, f: ResolvedFault): number {
  const page = st.config.granule;
  if (f.size !== page || f.forcePte || f.nonCacheable) return f.size;
  if (f.permFault && f.faultGranule > page) return f.faultGranule;
  const slot = st.slots.get(f.slotId);
  const vma = st.host.findVma(f.hva);
  if (!slot || !vma) return f.size;
  const inp = { slot, vma, hva: f.hva, granule: st.config.granule, logging: false, nonCacheable: false, hostLeaf: st.host.hostLeafSize(f.hva) };
  return thpAdjust(inp, { size: f.size, forcePte: false });
}

/**
 * The leaf map() installs for a fault of size `size`: the fault's gfn and pfn aligned down to it
 * (step 6 for VMA sizes, transparent_hugepage_adjust for THP), R | W if writable | X as decided.
 * Source: user_mem_abort steps 6, 14, 16 (facts §15.4).
 */
function faultLeaf(f: ResolvedFault, npages: number, page: number): S2Leaf {
  const perms = { r: true, w: f.writable, x: f.exec };
  const baseGfn = alignDown(f.gfn, npages);
  // A leaf inside the resolved extent (a chosen smaller leaf) maps its part of it; a THP or permission-granule leaf is pfn-aligned.
  const pfn = npages * page < f.size ? f.pfn + (baseGfn - f.mapGfn) : alignDown(f.pfn, npages);
  return { baseGfn, npages, pfn, perms, memtype: f.memtype, af: true };
}

/** The size of the leaves a mapping of `size` bytes is made of (largestLeafSize). */
const leafGranule = (st: KvmState, size: number): number => Math.min(size, largestLeafSize(st.config.granule, st.config.iaBits));

/**
 * The mapping size a fault installs: mapSize, or a smaller page or block size another executor
 * chose there (st.leafChoice). The specification bounds the leaf, it does not fix it: any page or
 * block size up to the permitted one is correct KVM (kernels before block mappings mapped pages
 * only). A choice no smaller than the leaves mapSize is made of is no choice (a 1 GiB mapping of
 * 2 MiB leaves); one larger, or not a leaf size of this granule, is ignored.
 */
function chosenSize(st: KvmState, f: ResolvedFault): number {
  const size = mapSize(st, f);
  const chosen = st.leafChoice?.(f.gfn);
  if (chosen === undefined || chosen >= leafGranule(st, size)) return size;
  const page = st.config.granule;
  return chosen === page || blockSizes(page).includes(chosen) ? chosen : size;
}

/** map() leaves a valid leaf of the same extent, pfn and attributes alone when only R/W/X differ (-EAGAIN). Source: stage2_pte_needs_update (facts §5.2 step 2). */
function onlyPermsDiffer(old: Readonly<S2Leaf> | undefined, leaf: S2Leaf): boolean {
  if (!old || old.baseGfn !== leaf.baseGfn || old.npages !== leaf.npages) return false;
  return old.pfn === leaf.pfn && old.memtype === leaf.memtype && old.af;
}

/**
 * The permissions a permission fault relaxes the leaf at `f.gfn` to, or null when the leaf must be
 * replaced by the slot's mapping instead. Specification, not mainline: a leaf that maps what the
 * slot maps now (the pfn just resolved) gets R | W as resolved | X as decided; a leaf that maps
 * another pfn — an ioremap page inside a memslot — may only get back what kvm_phys_addr_ioremap
 * gave it (W if asked, never X), else the slot's mapping replaces it. Mainline relaxes it to the
 * slot's rights whatever it maps (user_mem_abort → kvm_pgtable_stage2_relax_perms): kernel finding
 * `ioremap-in-slot-relaxed`.
 */
function relaxedPerms(st: KvmState, f: ResolvedFault): Perms | null {
  const old = st.stage2.get(f.gfn);
  const perms = { r: true, w: f.writable, x: f.exec };
  if (old === undefined || old.pfn === f.pfn + (f.gfn - f.mapGfn)) return perms;
  const io = st.ioremaps.get(f.gfn);
  const ioLeaf = io !== undefined && io.pfn === old.pfn && old.memtype === 'device';
  // A permission fault wants X (exec) or W (a read never takes one, step 1): grantable only as the ioremap asked.
  return ioLeaf && !isExecFault(f.kind) && io.writable && f.writable ? { r: true, w: true, x: false } : null;
}

/**
 * Steps 13–20: under the lock, retry if an invalidation ran or is running since the sample (or the
 * memslots changed, which the kernel's SRCU section rules out); a permission fault whose mapping
 * is made of leaves of its granule relaxes the covering leaf (-EAGAIN if it vanished); otherwise
 * map() installs the mapping's leaves — except those where only permissions differ from the leaf
 * there — replacing every leaf they overlap; a writable result marks the page dirty.
 * Source: user_mem_abort, stage2_map_walker_try_leaf / stage2_pte_needs_update (facts §5.2, §15.4, §21.14).
 */
export function commitFault(st: KvmState, f: ResolvedFault): 'installed' | 'again' | 'retry' {
  if (!st.notifier.mayInstall(f.mmuSeq) || st.slotGeneration !== f.slotGeneration) return 'retry';
  const size = chosenSize(st, f);
  const granule = leafGranule(st, size);
  // Spec, not mainline: relax when the mapping's leaves are the faulting leaf's size (mainline
  // compares the whole mapping size, and a 1 GiB mapping of 2 MiB leaves then retries forever:
  // kernel finding pud-fault-level2-livelock).
  const relaxTo = f.permFault && granule === f.faultGranule ? relaxedPerms(st, f) : null;
  if (relaxTo) { // step 17: relax_perms
    if (!st.stage2.relax(f.gfn, relaxTo)) return 'again';
  } else {
    // A mapping of several leaves installs each that differs in more than permissions (spec; mainline's
    // walk stops at the first that does not, -EAGAIN, so the rest of a 1 GiB range of 2 MiB leaves
    // may never be mapped: the same kernel finding). Nothing to install → -EAGAIN, as mainline.
    const leaf = faultLeaf(f, size / st.config.granule, st.config.granule);
    const n = granule / st.config.granule;
    let installed = 0;
    for (let k = 0; k < leaf.npages; k += n) {
      const piece = { ...leaf, baseGfn: leaf.baseGfn + k, npages: n, pfn: leaf.pfn + k };
      if (onlyPermsDiffer(st.stage2.leafAt(piece.baseGfn), piece)) continue;
      st.stage2.install(piece);
      installed++;
    }
    if (installed === 0) return 'again';
  }
  const slot = st.slots.get(f.slotId);
  if (f.writable && slot) markDirty(slot, f.gfn); // step 19: mark_page_dirty_in_slot
  return 'installed';
}
