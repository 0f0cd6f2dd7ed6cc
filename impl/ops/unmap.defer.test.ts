/** Range unmap with FWB + FEAT_TLBIRANGE: deferred TLBI (stage2_unmap_defer_tlb_flush, v6.8) and the whole-table fast path. */
import { RecordingEffects, type EffectEvent } from '../effects';
import { Stage2Pgtable } from '../pgtable';
import { stage2Map } from './map';
import { stage2Unmap } from './unmap';
import { stage2SetOwner } from './owner';
import { makeTranslateOut, translate } from '../translate';
import { PROT_RW } from '../descriptor/prot';

const PAGE = 4096;
const M2 = 2 ** 21;
const G1 = 2 ** 30;
const IPA = 2 ** 32;
const PA = 2 ** 31;

/** Records every effect but declares it does not need per-store events (the fast path may run). */
class NoStoreRecorder extends RecordingEffects {
  override readonly recordsStores = false;
}

function build(effects: RecordingEffects | undefined, tlbiRange = true): Stage2Pgtable {
  const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: true, tlbiRange, effects });
  stage2Map(pgt, IPA, 4 * M2, PA, PROT_RW, { forcePte: true }); // 4 full last-level tables
  stage2Map(pgt, IPA + 4 * M2, 8 * M2, PA + 4 * M2, PROT_RW); // 8 blocks
  stage2Map(pgt, IPA + G1, 3 * PAGE, PA, PROT_RW, { forcePte: true }); // a sparse table in the next GiB
  stage2SetOwner(pgt, IPA + G1 + 8 * PAGE, PAGE, 1); // an owner annotation
  if (effects) effects.clear();
  return pgt;
}

/** Every 4K page of the first two GiB as "pa or fault" (the table's meaning). */
function meaning(pgt: Stage2Pgtable): string[] {
  const out = makeTranslateOut();
  const res: string[] = [];
  for (let a = IPA; a < IPA + 2 * G1; a += PAGE) {
    translate(pgt, a, 'read', out);
    res.push(out.ok ? String(out.pa) : `${out.fault}@${out.level}`);
  }
  return res;
}

const withoutStores = (evs: readonly EffectEvent[]): EffectEvent[] => evs.filter((e) => e.op !== 'pteStore');

describe('stage2Unmap with FWB + FEAT_TLBIRANGE', () => {
  it('defers per-leaf TLBIs to one range TLBI over the requested range', () => {
    const rec = new RecordingEffects();
    const pgt = build(rec);
    expect(stage2Unmap(pgt, IPA + PAGE, 2 * PAGE)).toBe(0);
    expect(rec.events.filter((e) => e.op === 'tlbiIpa')).toEqual([]);
    expect(rec.events[rec.events.length - 1]).toEqual({ op: 'tlbiRange', ipa: IPA + PAGE, size: 2 * PAGE });
    expect(rec.events.filter((e) => e.op === 'pteStore')).toHaveLength(2);
  });

  it('still invalidates at once when it removes a table entry', () => {
    const rec = new RecordingEffects();
    const pgt = build(rec);
    stage2Unmap(pgt, IPA, M2);
    const ops = rec.events.map((e) => e.op);
    expect(ops.filter((o) => o === 'pteStore')).toHaveLength(513); // 512 leaves + the table entry
    expect(ops.slice(-4)).toEqual(['pteStore', 'tlbiIpa', 'tableFree', 'tlbiRange']);
  });

  it('issues per-leaf TLBIs and no range TLBI without FEAT_TLBIRANGE', () => {
    const rec = new RecordingEffects();
    const pgt = build(rec, false);
    stage2Unmap(pgt, IPA + PAGE, 2 * PAGE);
    expect(rec.events.map((e) => e.op)).toEqual(['pteStore', 'tlbiIpa', 'pteStore', 'tlbiIpa']);
  });

  it.each([
    ['the whole 2 GiB', IPA, 2 * G1],
    ['an unaligned middle range', IPA + 3 * PAGE, 9 * M2 + 5 * PAGE],
    ['one block', IPA + 5 * M2, M2],
    ['one full last-level table', IPA + M2, M2],
    ['the sparse GiB only', IPA + G1, G1],
  ])('fast path (non-recording sink) leaves the same tables and effects as the per-entry path: %s', (_n, addr, size) => {
    const slowRec = new RecordingEffects();
    const slow = build(slowRec);
    const fastRec = new NoStoreRecorder();
    const fast = build(fastRec);
    const bare = build(undefined);
    for (const p of [slow, fast, bare]) expect(stage2Unmap(p, addr, size)).toBe(0);
    const expected = meaning(slow);
    expect(meaning(fast)).toEqual(expected);
    expect(meaning(bare)).toEqual(expected);
    expect(fast.pool.pagesInUse).toBe(slow.pool.pagesInUse);
    expect(bare.pool.pagesInUse).toBe(slow.pool.pagesInUse);
    expect(withoutStores(fastRec.events)).toEqual(withoutStores(slowRec.events));
    expect(Array.from(fast.pool.refs.subarray(0, 64))).toEqual(Array.from(slow.pool.refs.subarray(0, 64)));
  });

  it('frees every table after unmapping the whole range on the fast path, storing only table entries', () => {
    const rec = new NoStoreRecorder();
    const pgt = build(rec);
    stage2Unmap(pgt, 0, 2 ** 40);
    expect(pgt.pool.pagesInUse).toBe(pgt.geom.rootPages);
    // 4 leaf tables + the block table cleared whole; the sparse GiB's table goes entry by entry.
    expect(rec.events.filter((e) => e.op === 'pteStore').length).toBeLessThan(20);
  });

  it('keeps the per-entry path under an unmap-altering historical bug', () => {
    const rec = new NoStoreRecorder();
    const pgt = new Stage2Pgtable({ granule: 4096, iaBits: 40, fwb: true, tlbiRange: true, effects: rec, bugs: new Set(['annotation-not-refcounted'] as const) });
    stage2Map(pgt, IPA, M2, PA, PROT_RW, { forcePte: true });
    rec.clear();
    stage2Unmap(pgt, IPA, M2);
    expect(rec.events.filter((e) => e.op === 'pteStore')).toHaveLength(514); // 512 leaves + the emptied L2 and L1 table entries
  });
});
