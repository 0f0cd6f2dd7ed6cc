/** The 65 scenarios of page_fault_test (facts §19.3) with their expected counters, shared by the model and impl acceptance tests. */
import type { MemslotFlag } from '../types';
import type { GuestAccess, Scenario } from './pageFaultWorld';

/** One §19.3 row: scenario + expected counters (default 0) and dirty bits (data, PTE page). */
export interface Row {
  n: number;
  group: string;
  sc: Scenario;
  mmio?: number;
  uffd?: number;
  fail?: number;
  dirty?: [boolean, boolean];
  /** The data uffd handler is uffd_no_handler: the data page must never be faulted in. */
  dataHandlerFails?: boolean;
}

const RO: MemslotFlag[] = ['READONLY'];
const LOG: MemslotFlag[] = ['LOG_DIRTY'];
const RO_LOG: MemslotFlag[] = ['READONLY', 'LOG_DIRTY'];

function sc(access: GuestAccess, af: Scenario['af'], holes: 'none' | 'data' | 'both', flags: MemslotFlag[] = [], uffd = false): Scenario {
  return { access, af, holeData: holes !== 'none', holePt: holes === 'both', flags, uffd };
}

const Y = true;
const N = false;
export const ROWS: Row[] = [
  // ACCESS
  ...(['read64', 'ld_preidx', 'cas', 'write64', 'st_preidx', 'dc_zva', 'exec'] as const).map((a, i) => ({ n: 1 + i, group: 'access', sc: sc(a, 'with_af', 'none') })),
  ...(['read64', 'cas', 'ld_preidx', 'write64', 'st_preidx', 'at', 'dc_zva'] as const).map((a, i) => ({ n: 8 + i, group: 'access hole_data', sc: sc(a, 'no_af', 'data') })),
  // UFFD
  { n: 15, group: 'uffd', sc: sc('read64', 'with_af', 'both', [], true), uffd: 2 },
  { n: 16, group: 'uffd', sc: sc('read64', 'no_af', 'both', [], true), uffd: 2 },
  { n: 17, group: 'uffd', sc: sc('cas', 'with_af', 'both', [], true), uffd: 2 },
  { n: 18, group: 'uffd', sc: sc('at', 'no_af', 'both', [], true), uffd: 1, dataHandlerFails: true },
  ...(['ld_preidx', 'write64', 'dc_zva', 'st_preidx', 'exec'] as const).map((a, i) => ({ n: 19 + i, group: 'uffd', sc: sc(a, 'with_af', 'both', [], true), uffd: 2 })),
  // DIRTY_LOG
  { n: 24, group: 'dirty_log', sc: sc('read64', 'with_af', 'none', LOG), dirty: [N, Y] },
  { n: 25, group: 'dirty_log', sc: sc('read64', 'no_af', 'none', LOG), dirty: [N, N] },
  { n: 26, group: 'dirty_log', sc: sc('ld_preidx', 'with_af', 'none', LOG), dirty: [N, Y] },
  { n: 27, group: 'dirty_log', sc: sc('at', 'no_af', 'none', LOG), dirty: [N, N] },
  { n: 28, group: 'dirty_log', sc: sc('exec', 'with_af', 'none', LOG), dirty: [N, Y] },
  ...(['write64', 'cas', 'dc_zva', 'st_preidx'] as const).map((a, i): Row => ({ n: 29 + i, group: 'dirty_log', sc: sc(a, 'with_af', 'none', LOG), dirty: [Y, Y] })),
  // UFFD + DIRTY_LOG
  { n: 33, group: 'uffd dirty_log', sc: sc('read64', 'with_af', 'both', LOG, true), uffd: 2, dirty: [N, Y] },
  { n: 34, group: 'uffd dirty_log', sc: sc('read64', 'no_af', 'both', LOG, true), uffd: 2, dirty: [N, N] },
  { n: 35, group: 'uffd dirty_log', sc: sc('ld_preidx', 'with_af', 'both', LOG, true), uffd: 2, dirty: [N, Y] },
  { n: 36, group: 'uffd dirty_log', sc: sc('at', 'with_af', 'both', LOG, true), uffd: 1, dirty: [N, Y], dataHandlerFails: true },
  { n: 37, group: 'uffd dirty_log', sc: sc('exec', 'with_af', 'both', LOG, true), uffd: 2, dirty: [N, Y] },
  ...(['write64', 'cas', 'dc_zva', 'st_preidx'] as const).map((a, i): Row => ({ n: 38 + i, group: 'uffd dirty_log', sc: sc(a, 'with_af', 'both', LOG, true), uffd: 2, dirty: [Y, Y] })),
  // RO memslots
  ...(['read64', 'ld_preidx', 'at', 'exec'] as const).map((a, i) => ({ n: 42 + i, group: 'ro_memslot', sc: sc(a, 'untouched', 'none', RO) })),
  { n: 46, group: 'ro_memslot', sc: sc('write64', 'untouched', 'none', RO), mmio: 1 },
  ...(['dc_zva', 'cas', 'st_preidx'] as const).map((a, i) => ({ n: 47 + i, group: 'ro_memslot_no_syndrome', sc: sc(a, 'untouched', 'none', RO), fail: 1 })),
  // RO + DIRTY_LOG (the selftest reuses the ro_memslot names); only the data bit is checked
  ...(['read64', 'ld_preidx', 'at', 'exec'] as const).map((a, i) => ({ n: 50 + i, group: 'ro_memslot', sc: sc(a, 'untouched', 'none', RO_LOG), dirty: [N, N] as [boolean, boolean] })),
  { n: 54, group: 'ro_memslot', sc: sc('write64', 'untouched', 'none', RO_LOG), mmio: 1, dirty: [N, N] },
  ...(['dc_zva', 'cas', 'st_preidx'] as const).map((a, i) => ({ n: 55 + i, group: 'ro_memslot_no_syndrome', sc: sc(a, 'untouched', 'none', RO_LOG), fail: 1 })),
  // RO + UFFD
  { n: 58, group: 'ro_memslot_uffd', sc: sc('read64', 'untouched', 'both', RO, true), uffd: 2 },
  { n: 59, group: 'ro_memslot_uffd', sc: sc('ld_preidx', 'untouched', 'both', RO, true), uffd: 2 },
  { n: 60, group: 'ro_memslot_uffd', sc: sc('at', 'untouched', 'both', RO, true), uffd: 1, dataHandlerFails: true },
  { n: 61, group: 'ro_memslot_uffd', sc: sc('exec', 'untouched', 'both', RO, true), uffd: 2 },
  { n: 62, group: 'ro_memslot_uffd', sc: sc('write64', 'untouched', 'both', RO, true), mmio: 1, uffd: 2 },
  { n: 63, group: 'ro_memslot_no_syndrome uffd', sc: sc('cas', 'untouched', 'both', RO, true), fail: 1, uffd: 2 },
  { n: 64, group: 'ro_memslot_no_syndrome uffd', sc: sc('dc_zva', 'untouched', 'both', RO, true), fail: 1, uffd: 1, dataHandlerFails: true },
  { n: 65, group: 'ro_memslot_no_syndrome uffd', sc: sc('st_preidx', 'untouched', 'both', RO, true), fail: 1, uffd: 1, dataHandlerFails: true },
];

/** "#42 ro_memslot read64 (RO)": number, selftest group, access, AF mode, slot flags. */
export function title(r: Row): string {
  const af = r.sc.af === 'untouched' ? '' : ` ${r.sc.af}`;
  const flags = r.sc.flags.length ? ` (${r.sc.flags.map((f) => (f === 'READONLY' ? 'RO' : 'LOG')).join('+')})` : '';
  return `#${r.n} ${r.group} ${r.sc.access}${af}${flags}`;
}
