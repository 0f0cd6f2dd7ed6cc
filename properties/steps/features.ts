/** Per-trace coverage features computed purely from the trace (replaying the generation world, never the model). */
import type { AccessKind } from '../../model/types';
import { decodeStep, type Step } from '../trace/codec';
import type { Trace } from '../trace/schema';
import { applyToWorld } from './catalog';
import { hvaOf } from './targets';
import { newWorld, slotAt, type GenWorld } from './world';

const WRITES: ReadonlySet<AccessKind> = new Set(['write', 'st_preidx', 'cas', 'dc_zva', 's1ptw_write']);
const READS: ReadonlySet<AccessKind> = new Set(['read', 'ld_preidx', 's1ptw_read']);
const CMOS: ReadonlySet<AccessKind> = new Set(['dc_civac', 'dc_ivac', 'dc_cvac']);
const NO_SYNDROME: ReadonlySet<AccessKind> = new Set(['ld_preidx', 'st_preidx', 'cas']);

type Add = (label: string) => void;

function guestFeatures(w: GenWorld, s: Extract<Step, { op: 'access' | 'faultBegin' }>, written: Set<number>, add: Add): void {
  const slot = slotAt(w, s.ipa);
  const page = s.ipa - (s.ipa % w.geo.page);
  if (CMOS.has(s.kind)) add(slot ? 'CMO on slot' : 'CMO outside slots');
  if (s.kind.startsWith('s1ptw')) add('S1PTW');
  if (s.kind === 'at') add('AT');
  if (s.op === 'access' && s.s1 && s.s1 !== 'normal') add(`s1 ${s.s1}`);
  if (!slot && NO_SYNDROME.has(s.kind)) add('no-syndrome access outside slots');
  if (!slot) return;
  const readonly = slot.flags.includes('READONLY');
  if (readonly && WRITES.has(s.kind)) add('READONLY write');
  if (readonly && CMOS.has(s.kind)) add('CMO on READONLY slot');
  if (slot.flags.includes('LOG_DIRTY') && WRITES.has(s.kind)) add('write to LOG_DIRTY slot');
  const hva = hvaOf(w, s.ipa);
  const vma = hva === undefined ? undefined : w.vmas.find((v) => hva >= v.hva && hva < v.hva + v.size);
  if (vma?.kind === 'anon' && READS.has(s.kind) && !written.has(page)) add('zero-page read (untouched anon)');
  if (WRITES.has(s.kind)) written.add(page);
}

function slotFeatures(w: GenWorld, s: Extract<Step, { op: 'setMemslot' }>, add: Add): void {
  const old = w.slots.get(s.slot);
  if (old) {
    if (s.size === 0) add('slot delete');
    else if (s.gpa !== old.gpa) add('slot move');
    else if (s.flags.join() !== old.flags.join()) add('slot flags change');
    if (w.pending.size > 0 && (s.size === 0 || s.gpa !== old.gpa)) add('slot delete/move during fault');
    return;
  }
  if (s.size === 0) return;
  const { block, giant } = w.geo;
  for (const f of s.flags) add(`${f} slot`);
  if (s.gpa % block !== s.hva % block) add('misaligned slot (gpa ≢ hva mod block)');
  else if (s.size >= block) add('block-congruent slot');
  if (s.gpa % block === s.hva % block && (s.gpa % block !== 0 || (s.gpa + s.size) % block !== 0)) add('slot head/tail not block-aligned');
  if (giant && s.gpa % giant === s.hva % giant && s.size >= giant) add('1G-congruent slot');
}

function stepFeatures(w: GenWorld, s: Step, written: Set<number>, add: Add): void {
  if (s.op === 'access' || s.op === 'faultBegin') guestFeatures(w, s, written, add);
  if (s.op === 'faultBegin') {
    const page = s.ipa - (s.ipa % w.geo.page);
    if ([...w.pending.values()].some((p) => p.ipa - (p.ipa % w.geo.page) === page)) add('two vCPUs fault one page');
  }
  if (s.op === 'invalidateBegin') {
    const hit = [...w.pending.values()].some((p) => { const h = hvaOf(w, p.ipa); return h !== undefined && h >= s.hva && h < s.hva + s.size; });
    if (hit) add('invalidation over a fault in flight');
  }
  if (s.op === 'setMemslot') slotFeatures(w, s, add);
  if (s.op === 'mmap') {
    add(`mmap ${s.kind}`);
    if (s.uffd) add('uffd');
    if (s.kind === 'hugetlb' && s.hugeSize === w.geo.giant) add('hugetlb 1G');
    if (s.kind === 'pfnmap') {
      add(`pfnmap ${s.pgprot ?? 'device'}`);
      add(s.allowAnyUncached ? 'pfnmap allowAnyUncached' : 'pfnmap without allowAnyUncached');
      add((s.pa ?? 0) >= 0x8000_0000 ? 'pfnmap RAM pa' : 'pfnmap device pa');
    }
  }
}

/** Every feature label of one trace, plus a window label when a split fault spans an overlapping invalidation. */
export function traceFeatures(trace: Trace): Set<string> {
  const w = newWorld(trace.config);
  const out = new Set<string>();
  const written = new Set<number>();
  const overlapped = new Set<number>(); // vCPUs whose fault in flight an invalidation hit
  for (const ts of trace.steps) {
    const s = decodeStep(ts);
    const add: Add = (l) => {
      out.add(l);
      if (l === 'invalidation over a fault in flight') for (const [v, p] of w.pending) if (hvaOf(w, p.ipa) !== undefined) overlapped.add(v);
    };
    stepFeatures(w, s, written, add);
    if (s.op === 'faultCommit' && overlapped.delete(s.vcpu)) out.add('faultBegin → invalidation → faultCommit window');
    applyToWorld(w, s);
  }
  return out;
}
