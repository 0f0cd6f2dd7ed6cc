/** The TLBs are hardware both executors share: a split fault on a vCPU holding a stale read-only entry faults in the model too (KvmModel.useTlbs). */
import { runTrace } from './runner';
import { parseTraceText } from '../trace';

// vCPU 1 caches the page read-only; vCPU 0's write relaxes it with a local TLBI; vCPU 1's store then
// faults on its stale entry, across a KVM_GET_DIRTY_LOG, and its commit relaxes and logs the page again.
const trace = parseTraceText(JSON.stringify({
  format: 's2check-trace/1',
  config: {"granule": 4096, "iaBits": 40, "fwb": false, "dic": false, "nisvToUser": false, "cmoPolicy": "mainline", "bugs": []},
  steps: [{"op": "mmap", "hva": "0x7f0000000000", "size": "0x200000", "prot": "rw", "kind": "anon", "uffd": true}, {"op": "setMemslot", "slot": 0, "gpa": "0x40000000", "size": "0x200000", "hva": "0x7f0000000000", "flags": ["LOG_DIRTY"]}, {"op": "access", "vcpu": 1, "ipa": "0x401ff008", "kind": "read"}, {"op": "access", "vcpu": 0, "ipa": "0x401ff008", "kind": "write"}, {"op": "faultBegin", "vcpu": 1, "ipa": "0x401ff008", "kind": "st_preidx"}, {"op": "getDirtyLog", "slot": 0}, {"op": "faultCommit", "vcpu": 1}],
}));

test('a stale TLB entry makes the split fault real on both executors: every check holds', () => {
  const r = runTrace(trace);
  expect(r.violations).toEqual([]);
});

test('after its faultBegin, vCPU 1 holds a fault on both executors', () => {
  const upToBegin = { ...trace, steps: trace.steps.slice(0, 5) };
  let inFlight: boolean[] = [];
  runTrace(upToBegin, { inspect: (w) => { inFlight = [w.model.kvm.faultInFlight(1), w.impl.kvm.faultInFlight(1)]; } });
  expect(inFlight).toEqual([true, true]);
});
