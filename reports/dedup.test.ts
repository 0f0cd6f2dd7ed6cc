/** Finding signatures and dedup: invariant + failing op + bugs; the kept trace is independent of arrival order. */
import { FindingSet, signatureOf } from './dedup';
import { foundTrace } from './testkit';

test('the signature is invariant @ op [sorted bugs], hashed to 12 hex digits', () => {
  const s = signatureOf(foundTrace('RO_SLOT_NEVER_WRITABLE', 0, ['ro-device-writable', 'no-mmu-seq-retry']));
  expect(s?.text).toBe('RO_SLOT_NEVER_WRITABLE @ access [no-mmu-seq-retry,ro-device-writable]');
  expect(s?.hash).toMatch(/^[0-9a-f]{12}$/);
  expect(signatureOf({ ...foundTrace('X'), found: undefined })).toBeNull();
});

test('same signature, different traces: one entry, the shortest kept, hits counted, in any order', () => {
  const long = foundTrace('NO_STALE_PFN', 3, [], 9);
  const short = foundTrace('NO_STALE_PFN', 1, [], 8);
  const other = foundTrace('NO_STALE_PFN', 1, ['no-mmu-seq-retry']);
  for (const order of [[long, short, other], [other, short, long]]) {
    const set = new FindingSet();
    const fresh = order.map((t) => set.add(t));
    expect(fresh.filter(Boolean)).toHaveLength(2);
    const es = set.entries();
    expect(es).toHaveLength(2);
    const plain = es.find((e) => e.sig.bugs.length === 0);
    expect(plain?.trace).toBe(short);
    expect(plain?.hits).toBe(2);
  }
});
