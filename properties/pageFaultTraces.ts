/**
 * The 65 page_fault_test scenarios (model/testkit/pageFaultRows.ts) as `s2check-trace/1` traces, so
 * every executor runs them, the real kernel included: two slots (26 page-table pages, one data page)
 * over anon VMAs (uffd-armed when the row says so), the host writing the PTE page and the data page
 * (the selftest's page tables and test data; the uffd handler hands them back after a hole, as the
 * selftest's copies them), the row's holes punched with MADV_DONTNEED, then per data access the
 * guest's stage-1 walk (a read of the PTE page; with_af, before the first access, the walker's AF
 * write-back: the TLB holds the translation afterwards) and the access itself, and the dirty logs
 * of both slots when they log. What a trace cannot say, the model's scenario runner keeps: the VMM
 * completing an MMIO write into the data page, and the uffd counters.
 */
import { ROWS, title, type Row } from '../model/testkit/pageFaultRows';
import { DATA_GPA, DATA_HVA, DATA_SLOT, PAGE, PT_GPA, PT_HVA, PT_PAGES, PT_SLOT, PTE_PAGE_INDEX } from '../model/testkit/pageFaultWorld';
import { DEFAULT_CONFIG } from '../model/types';
import { parseTrace, type Trace } from './trace';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The data-side accesses of each selftest access (as the scenario runner does them); `at` only walks. */
const DATA: Record<Row['sc']['access'], string[]> = {
  read64: ['read'], write64: ['write', 'read'], ld_preidx: ['ld_preidx'], st_preidx: ['st_preidx'],
  cas: ['cas'], dc_zva: ['dc_zva'], exec: ['exec'], at: [],
};

/** Row `r` as a trace (its name: `title(r)`). */
export function pageFaultTrace(r: Row): Trace {
  const { sc } = r;
  const pte = PT_GPA + PTE_PAGE_INDEX * PAGE;
  const steps: Record<string, unknown>[] = [
    { op: 'mmap', hva: hex(PT_HVA), size: hex(PT_PAGES * PAGE), prot: 'rw', kind: 'anon', ...(sc.uffd ? { uffd: true } : {}) },
    { op: 'mmap', hva: hex(DATA_HVA), size: hex(PAGE), prot: 'rw', kind: 'anon', ...(sc.uffd ? { uffd: true } : {}) },
    { op: 'vmmWrite', hva: hex(PT_HVA + PTE_PAGE_INDEX * PAGE) },
    { op: 'vmmWrite', hva: hex(DATA_HVA) },
    { op: 'setMemslot', slot: PT_SLOT, gpa: hex(PT_GPA), size: hex(PT_PAGES * PAGE), hva: hex(PT_HVA), flags: sc.flags },
    { op: 'setMemslot', slot: DATA_SLOT, gpa: hex(DATA_GPA), size: hex(PAGE), hva: hex(DATA_HVA), flags: sc.flags },
  ];
  if (sc.holeData) steps.push({ op: 'madviseDontneed', hva: hex(DATA_HVA), size: hex(PAGE) });
  if (sc.holePt) steps.push({ op: 'madviseDontneed', hva: hex(PT_HVA), size: hex(PT_PAGES * PAGE) });
  const walk = (kind: string) => ({ op: 'access', vcpu: 0, ipa: hex(pte), kind });
  const data = DATA[sc.access];
  // `at` is an AT S1E1R: its walk is the access (the scenario runner reads the PTE page for it).
  if (data.length === 0) steps.push(walk('at'), ...(sc.af === 'with_af' ? [walk('s1ptw_write')] : []));
  for (const [i, kind] of data.entries()) {
    steps.push(walk('s1ptw_read'));
    if (sc.af === 'with_af' && i === 0) steps.push(walk('s1ptw_write'));
    steps.push({ op: 'access', vcpu: 0, ipa: hex(kind === 'exec' ? DATA_GPA + 8 : DATA_GPA), kind });
  }
  if (sc.flags.includes('LOG_DIRTY')) steps.push({ op: 'getDirtyLog', slot: DATA_SLOT }, { op: 'getDirtyLog', slot: PT_SLOT });
  return parseTrace({ format: 's2check-trace/1', config: { ...DEFAULT_CONFIG, bugs: [] }, steps });
}

/** Every row as a named trace. */
export const pageFaultTraces = (): { name: string; row: Row; trace: Trace }[] =>
  ROWS.map((row) => ({ name: `page_fault_test ${title(row)}`, row, trace: pageFaultTrace(row) }));
