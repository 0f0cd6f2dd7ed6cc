/**
 * Which traces the in-guest runner can execute, and their encoding for it (real/runner/s2runner.c
 * header). A step userspace cannot drive (a fault or invalidation held open, aging, ioremap, pKVM
 * ownership, migration, a THP split) makes the trace not executable; so does a step the runner does
 * not support yet. Each refusal names the step and the reason.
 */
import type { Step } from '../properties/trace/codec';
import { decodeStep, type Trace } from '../properties/trace';
import { RAM_BASE_PA } from '../model/host/constants';
import { BAR_SIZE } from './qemu';
import { notObservable } from './observe';
import { GuestMemory } from './guestMemory';

/** Why a trace cannot run on the real kernel: the first offending step (or -1 for the config). */
export interface NotExecutable {
  readonly step: number;
  readonly why: string;
}

/** The guest-side layout the encoder picked for one trace. */
export interface Layout {
  /** IPA of the runner's private 2 MiB window (code, vectors, stage-1 tables); DONE is window + 2 MiB. */
  readonly window: number;
  /** Indices of the 512 GiB regions the guest's stage 1 maps 1:1 (at most 16). */
  readonly l0: readonly number[];
}

/** Ops no VMM can perform from userspace: they drive the kernel's internal interleavings. */
const NOT_FROM_USERSPACE: Partial<Record<Step['op'], string>> = {
  faultBegin: 'a guest fault split at its lock drop has no userspace handle',
  faultCommit: 'a guest fault split at its lock drop has no userspace handle',
  invalidateBegin: 'an MMU-notifier invalidation held open across steps has no userspace handle',
  invalidateEnd: 'an MMU-notifier invalidation held open across steps has no userspace handle',
  age: 'page aging (clear_flush_young) is driven by reclaim, not by a VMM',
  testAge: 'page aging (test_young) is driven by reclaim, not by a VMM',
  ioremap: 'kvm_phys_addr_ioremap is called by the kernel (vGIC), not by userspace',
  setOwner: 'pKVM host stage-2 ownership is not reachable from a VMM',
  hostAccess: 'pKVM host stage-2 ownership is not reachable from a VMM',
  migrate: 'page migration cannot be forced on one page from userspace',
  thpSplit: 'a THP split without an unmap cannot be forced from userspace',
};

/**
 * Access kinds the runner has a guest snippet for (CMOs run but are not observable under TCG).
 * `s1ptw_read`, `s1ptw_write` and `at` walk a stage-1 table placed at the access's page (TTBR1), so
 * the walker's descriptor read is the stage-2 access; for `s1ptw_write` the guest has hardware
 * Access flag updates on, and the word read must be a valid descriptor with AF clear that a
 * `vmmWrite` stored (real/guestMemory.ts decides where it is), so the walker writes it back.
 */
export const RUNNER_ACCESS_KINDS: ReadonlySet<string> = new Set([
  'read', 'write', 'ld_preidx', 'st_preidx', 'cas', 'dc_zva', 'exec', 'dc_civac', 'dc_ivac', 'dc_cvac', 's1ptw_read', 's1ptw_write', 'at',
]);
/** Access kinds that are a stage-1 walk, not a data access. */
export const WALK_KINDS: ReadonlySet<string> = new Set(['s1ptw_read', 's1ptw_write', 'at']);
const S1_CODE: Record<string, string> = { normal: 'n', device: 'd', nc: 'c' };

/** The runner's private memslot id (never a trace's). */
export const PRIVATE_SLOT = 32000;
const WINDOW = 0x200000;
/** The window and DONE / REPORT after it: 4 MiB the trace must not touch. */
const WINDOW_SPAN = 2 * WINDOW;
const L0_SPAN = 2 ** 39;
/** The runner's own binary, heap and stack: host hvas a trace may not use. */
const HVA_LOW = 0x1000_0000;
const HVA_HIGH = 0xf000_0000_0000;
const MAX_VCPUS = 2;
const hex = (n: number): string => `0x${n.toString(16)}`;

/** The first reason a step cannot run on the runner, or null. */
function stepRefusal(s: Step): string | null {
  const fixed = NOT_FROM_USERSPACE[s.op];
  if (fixed) return `${s.op}: ${fixed}`;
  switch (s.op) {
    case 'mmap':
      if (s.kind === 'pfnmap') return pfnmapRefusal(s);
      if (s.kind === 'hugetlb' && ![0x200000, 0x4000_0000].includes(s.hugeSize ?? 0x200000)) return `mmap hugetlb of ${hex(s.hugeSize ?? 0)}: only 2 MiB and 1 GiB pages are reserved`;
      return hvaRefusal(s.hva, s.size);
    case 'munmap': case 'mprotect': case 'madviseDontneed': return hvaRefusal(s.hva, s.size);
    case 'vmmWrite': return hvaRefusal(s.hva, 1);
    case 'setMemslot': return (s.slot & 0xffff) === PRIVATE_SLOT ? `setMemslot slot ${PRIVATE_SLOT}: reserved by the runner` : null;
    case 'access':
      if (!RUNNER_ACCESS_KINDS.has(s.kind)) return `access kind ${s.kind}: not yet supported by the runner`;
      if (WALK_KINDS.has(s.kind) && (s.s1 ?? 'normal') !== 'normal') return `access ${s.kind} with s1 ${s.s1}: the runner's table walks use Normal memory`;
      if (s.vcpu >= MAX_VCPUS) return `access on vcpu ${s.vcpu}: the runner drives vCPUs 0 and 1`;
      if (s.ipa >= 2 ** 48) return `access at ${hex(s.ipa)}: beyond the runner's 48-bit stage 1`;
      return null;
    default: return null;
  }
}

/**
 * A pfnmap runs as an mmap of the QEMU ivshmem BAR's sysfs resource file (VM_IO | VM_PFNMAP,
 * pgprot_device: Device-nGnRE) or its `_wc` twin (Normal-NC) at offset pa mod BAR size: the BAR is
 * aligned to its size, so the mapping keeps the trace's PA alignment. Only device PAs (a BAR is not
 * RAM), only the pgprots sysfs offers, and no VM_ALLOW_ANY_UNCACHED (vfio-pci sets it, sysfs does not).
 */
function pfnmapRefusal(s: Extract<Step, { op: 'mmap' }>): string | null {
  const pa = s.pa ?? 0;
  if (pa >= RAM_BASE_PA) return `mmap pfnmap of RAM pa ${hex(pa)}: a PCI BAR is not RAM`;
  if (s.pgprot !== undefined && s.pgprot !== 'device' && s.pgprot !== 'nc') return `mmap pfnmap pgprot ${s.pgprot}: sysfs resource files map device or write-combining only`;
  if (s.allowAnyUncached) return 'mmap pfnmap allowAnyUncached: VM_ALLOW_ANY_UNCACHED is set by vfio-pci, not by sysfs resource files';
  if (s.uffd) return 'mmap with uffd: not yet supported by the runner';
  if ((pa % BAR_SIZE) + s.size > BAR_SIZE) return `mmap pfnmap of ${hex(s.size)} at pa ${hex(pa)}: beyond the ${hex(BAR_SIZE)} BAR`;
  return hvaRefusal(s.hva, s.size);
}

function hvaRefusal(hva: number, size: number): string | null {
  return hva < HVA_LOW || hva + size > HVA_HIGH ? `hva range ${hex(hva)}+${hex(size)} overlaps the runner's own address space` : null;
}

/** Null when every step can run (under a 4K-page kernel), else the first reason it cannot. */
export function notExecutable(trace: Trace): NotExecutable | null {
  if (trace.config.granule !== 4096) return { step: -1, why: `config.granule ${trace.config.granule}: the kernels run here use 4K pages` };
  if (trace.config.protectedVm) return { step: -1, why: 'config.protectedVm: no protected VM type is offered to userspace by these kernels' };
  const steps = trace.steps.map(decodeStep);
  for (let i = 0; i < steps.length; i++) {
    const why = stepRefusal(steps[i]);
    if (why) return { step: i, why };
  }
  const layout = layoutOf(trace);
  if (layout === null) return { step: -1, why: 'no free 4 MiB of IPA space for the runner\'s private window' };
  if (steps.some(isWalkerWrite)) {
    const words = new GuestMemory(trace.config, layout.window);
    for (let i = 0; i < steps.length; i++) {
      const why = notObservable(steps[i]) === null ? words.step(steps[i]) : null;
      if (why) return { step: i, why };
    }
  }
  return null;
}

/** IPA ranges the trace uses: memslots and accessed pages. */
function usedRanges(steps: readonly Step[]): [number, number][] {
  const r: [number, number][] = [];
  for (const s of steps) {
    if (s.op === 'setMemslot') r.push([s.gpa, s.gpa + s.size]);
    if (s.op === 'access') r.push([s.ipa - (s.ipa % 4096), s.ipa - (s.ipa % 4096) + 4096]);
  }
  return r;
}

/** The private window (highest free 4 MiB below the IPA limit) and the stage-1 regions, or null. */
export function layoutOf(trace: Trace): Layout | null {
  const steps = trace.steps.map(decodeStep);
  const used = usedRanges(steps);
  const top = 2 ** trace.config.iaBits;
  let window = -1;
  for (let w = top - WINDOW_SPAN; w >= 0; w -= WINDOW_SPAN) {
    if (used.every(([a, b]) => b <= w || a >= w + WINDOW_SPAN)) { window = w; break; }
  }
  if (window < 0) return null;
  const l0 = new Set<number>([Math.floor(window / L0_SPAN)]);
  for (const s of steps) if (s.op === 'access' && !WALK_KINDS.has(s.kind)) l0.add(Math.floor(s.ipa / L0_SPAN));
  if (l0.size > 16) return null;
  return { window, l0: [...l0].sort((a, b) => a - b) };
}

const h = (n: number): string => n.toString(16);
const PROT: Record<string, number> = { none: 0, r: 1, rw: 3 };

/** One step's line (real/runner/s2runner.c header). */
function stepLine(s: Step): string {
  switch (s.op) {
    case 'mmap': return s.kind === 'pfnmap'
      ? `M ${h(s.hva)} ${h(s.size)} ${PROT[s.prot]} p ${h((s.pa ?? 0) % BAR_SIZE)} ${s.pgprot === 'nc' ? 1 : 0}`
      : `M ${h(s.hva)} ${h(s.size)} ${PROT[s.prot]} ${s.kind[0]} ${h(s.hugeSize ?? 0x200000)} ${s.uffd ? 1 : 0}`;
    case 'munmap': return `U ${h(s.hva)} ${h(s.size)}`;
    case 'mprotect': return `P ${h(s.hva)} ${h(s.size)} ${PROT[s.prot]}`;
    case 'madviseDontneed': return `D ${h(s.hva)} ${h(s.size)}`;
    case 'thpCollapse': return `K ${h(s.hva)}`;
    case 'vmmWrite': return `W ${h(s.hva)}`;
    case 'setMemslot': {
      const flags = (s.flags.includes('LOG_DIRTY') ? 1 : 0) | (s.flags.includes('READONLY') ? 2 : 0);
      return `S ${h(s.slot)} ${flags} ${h(s.gpa)} ${h(s.size)} ${h(s.hva)}`;
    }
    case 'getDirtyLog': return `G ${h(s.slot)}`;
    case 'clearDirtyLog': return `C ${h(s.slot)} ${h(s.first)} ${h(s.count)}`;
    case 'access': return `A ${s.vcpu} ${h(s.ipa)} ${s.kind} ${S1_CODE[s.s1 ?? 'normal']}`;
    default: throw new RangeError(`real/encode: step ${s.op} is not executable`);
  }
}

/** The runner's input for executable traces, numbered by their index in `traces`. */
export function encodeBatch(traces: readonly { index: number; trace: Trace }[]): string {
  const out: string[] = [];
  for (const { index, trace } of traces) {
    const layout = layoutOf(trace);
    if (!layout) throw new RangeError(`real/encode: trace ${index} has no layout`);
    out.push(`T ${h(index)} ${h(trace.config.iaBits)} ${trace.config.nisvToUser ? 1 : 0} ${trace.config.thp === 'always' ? 1 : 0} ${h(layout.window)} ${h(layout.l0.length)} ${layout.l0.map(h).join(' ')}`);
    for (const s of trace.steps) out.push(stepLine(decodeStep(s)));
    out.push('E');
  }
  return `${out.join('\n')}\n`;
}

/**
 * The executable part of a trace: every step the runner cannot execute is dropped (a fault or an
 * invalidation held open, aging, ioremap, a pfnmap of RAM, an unsupported access kind, ...).
 * The result is a valid trace of its own, which the model runs as it stands; generated traces go
 * through here before a real-kernel fuzz run. `giantPages: false` also drops 1 GiB hugetlb mmaps.
 */
export function executablePart(trace: Trace, opts: { giantPages?: boolean; hafdbs?: boolean } = {}): Trace {
  const decoded = trace.steps.map(decodeStep);
  // The data is followed (a model run) only for a trace with a walker write left to decide; the window's
  // value does not change which words are armed, so any will do.
  const words = opts.hafdbs !== false && decoded.some(isWalkerWrite) ? new GuestMemory(trace.config, 0) : null;
  const steps = trace.steps.filter((_, i) => {
    const d = decoded[i];
    if (stepRefusal(d) !== null || (opts.giantPages === false && isGiantMmap(d))) return false;
    if (isWalkerWrite(d) && opts.hafdbs === false) return false;
    return words === null || notObservable(d) !== null || words.step(d) === null;
  });
  return { ...trace, steps };
}

/** An access whose walker writes a descriptor back (FEAT_HAFDBS). */
export const isWalkerWrite = (s: Step): boolean => s.op === 'access' && s.kind === 's1ptw_write';

/** An mmap of 1 GiB hugetlb pages: its first fault zeroes 1 GiB, seconds under TCG (real fuzz leaves it out unless asked). */
const isGiantMmap = (s: Step): boolean => s.op === 'mmap' && s.kind === 'hugetlb' && (s.hugeSize ?? 0) >= 0x4000_0000;
