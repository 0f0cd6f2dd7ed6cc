/** The page_fault_test world (facts §19.1) built from HostMm + a KVM executor (KvmModel by default), and one scenario runner. */
import { HostMm } from '../host/hostMm';
import { KvmModel } from '../index';
import { DEFAULT_CONFIG, type AccessKind, type MemslotFlag, type Outcome } from '../types';

export const PAGE = 0x1000;
/** Slot 2 "test data": one page at the top of the 40-bit guest PA space, the ucall page just past it. */
export const DATA_GPA = 2 ** 40 - 2 * PAGE;
/** Slot 1 "page tables": 26 pages immediately below slot 2. */
export const PT_PAGES = 26;
export const PT_GPA = DATA_GPA - PT_PAGES * PAGE;
/** Index in slot 1 of the page holding the stage-1 PTE of TEST_GVA (any page of slot 1 will do). */
export const PTE_PAGE_INDEX = 3;
export const PT_HVA = 0x7f00_0000_0000;
export const DATA_HVA = 0x7f00_1000_0000;
export const PT_SLOT = 1;
export const DATA_SLOT = 2;

/** Guest accesses of §19.2. */
export type GuestAccess = 'read64' | 'write64' | 'ld_preidx' | 'st_preidx' | 'cas' | 'dc_zva' | 'exec' | 'at';

/** A §19.3 scenario's set-up: AF handling, holes, slot flags, uffd registration. */
export interface Scenario {
  access: GuestAccess;
  af: 'with_af' | 'no_af' | 'untouched';
  holeData: boolean;
  holePt: boolean;
  flags: MemslotFlag[];
  uffd: boolean;
}

/** What the selftest checks at the end (facts §19.1). */
export interface Observed {
  mmioExits: number;
  uffdFaults: number;
  failedRuns: number;
  /** Outcomes the selftest would fail on (guest aborts, efault, …). */
  unexpected: Outcome[];
  /** Dirty bits (data page, PTE page), read only when the slots log. */
  dirty?: [boolean, boolean];
  /** Was the data page ever faulted in during the test (a call of the data uffd handler)? */
  dataPopulated: boolean;
}

/** The data-side model accesses of each guest access; write64 reads back, `at` touches only the walk. */
const DATA_ACCESSES: Record<GuestAccess, AccessKind[]> = {
  read64: ['read'], write64: ['write', 'read'], ld_preidx: ['ld_preidx'], st_preidx: ['st_preidx'],
  cas: ['cas'], dc_zva: ['dc_zva'], exec: ['exec'], at: [],
};

/** What a scenario needs of an executor: KvmModel, or KvmImpl (impl/kvm/testkit.ts), which mirrors its API. */
export type ScenarioKvm = Pick<KvmModel, 'setMemslot' | 'access' | 'getDirtyLog' | 'counters'>;

/** Build the executor under test on `host`. */
export type MakeKvm = (host: HostMm) => ScenarioKvm;

const makeModel: MakeKvm = (host) => new KvmModel({ ...DEFAULT_CONFIG }, host);

/** Host and slots before the test body: populated PT and data pages (host-built page tables, exec stub). */
export function buildWorld(sc: Scenario, makeKvm: MakeKvm = makeModel): { host: HostMm; kvm: ScenarioKvm } {
  const host = new HostMm();
  const kvm = makeKvm(host);
  host.mmap({ hva: PT_HVA, size: PT_PAGES * PAGE, prot: 'rw', kind: 'anon', uffd: sc.uffd });
  host.mmap({ hva: DATA_HVA, size: PAGE, prot: 'rw', kind: 'anon', uffd: sc.uffd });
  host.touch(PT_HVA + PTE_PAGE_INDEX * PAGE, true);
  host.touch(DATA_HVA, true);
  kvm.setMemslot({ slot: PT_SLOT, gpa: PT_GPA, size: PT_PAGES * PAGE, hva: PT_HVA, flags: sc.flags });
  kvm.setMemslot({ slot: DATA_SLOT, gpa: DATA_GPA, size: PAGE, hva: DATA_HVA, flags: sc.flags });
  if (sc.holeData) host.madviseDontneed(DATA_HVA, PAGE); // CMD_HOLE_DATA (anonymous backing)
  if (sc.holePt) host.madviseDontneed(PT_HVA, PT_PAGES * PAGE); // CMD_HOLE_PT
  return { host, kvm };
}

/**
 * Not modelled: guest stage 1 itself, and with_af's "prepare" store that clears the PTE's AF
 * (a guest write to the PTE page before the hole is punched): the PTE page's dirty bit is
 * attributed to the walker's AF write-back instead, which gives the same expected bit in every
 * with_af row, and the prepare store precedes the uffd count (it runs before CMD_HOLE_PT).
 *
 * The guest's steps: each access walks stage 1 (a read of the PTE page; with_af, the walker then
 * writes AF back), then touches the data page. An MMIO write exit is completed by the VMM, which
 * writes the data into the slot's hva (§19.3 #46, #62); a KVM_RUN failure ends the test.
 */
export function runScenario(sc: Scenario, makeKvm: MakeKvm = makeModel): Observed {
  const { host, kvm } = buildWorld(sc, makeKvm);
  const uffd0 = host.uffdFaults;
  const data0 = host.pte(DATA_HVA) !== undefined;
  const unexpected: Outcome[] = [];
  const pte = PT_GPA + PTE_PAGE_INDEX * PAGE;
  for (const kind of DATA_ACCESSES[sc.access].length ? DATA_ACCESSES[sc.access] : [null]) {
    const walk: AccessKind[] = sc.af === 'with_af' ? ['s1ptw_read', 's1ptw_write'] : ['s1ptw_read'];
    const steps: Array<[AccessKind, number]> = walk.map((k) => [k, pte]);
    if (kind) steps.push([kind, kind === 'exec' ? DATA_GPA + 8 : DATA_GPA]);
    if (!runSteps(kvm, host, steps, unexpected)) break;
  }
  const logs = sc.flags.includes('LOG_DIRTY');
  const dirty: [boolean, boolean] | undefined = logs
    ? [kvm.getDirtyLog(DATA_SLOT).dirty.includes(0), kvm.getDirtyLog(PT_SLOT).dirty.includes(PTE_PAGE_INDEX)]
    : undefined;
  const c = kvm.counters;
  return {
    mmioExits: c.mmioExits, uffdFaults: c.uffdFaults - uffd0, failedRuns: c.failedRuns, unexpected, dirty,
    dataPopulated: !data0 && host.pte(DATA_HVA) !== undefined,
  };
}

/** Run accesses in order; false once KVM_RUN failed. */
function runSteps(kvm: ScenarioKvm, host: HostMm, steps: Array<[AccessKind, number]>, unexpected: Outcome[]): boolean {
  for (const [kind, ipa] of steps) {
    const out = kvm.access(0, ipa, kind);
    if (out.kind === 'enosys') return false;
    if (out.kind === 'mmio' && out.write && out.ipa === DATA_GPA) host.touch(DATA_HVA, true);
    else if (out.kind !== 'ok') unexpected.push(out);
  }
  return true;
}
