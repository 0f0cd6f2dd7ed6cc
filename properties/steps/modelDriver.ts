/** A tiny replay driver: run a trace on a fresh HostMm + KvmModel and collect each step's outcome (proves traces execute). */
import { HostMm } from '../../model/host/hostMm';
import type { HostResult } from '../../model/host/types';
import { KvmModel } from '../../model/index';
import type { Config, Outcome } from '../../model/types';
import { decodeStep, type Step } from '../trace/codec';
import type { Trace } from '../trace/schema';

type Handlers = { [O in Step['op']]: (w: { host: HostMm; kvm: KvmModel }, s: Extract<Step, { op: O }>) => Outcome };

const host = (r: HostResult): Outcome => (r.ok ? { kind: 'ok' } : { kind: 'errno', errno: r.errno });

/** How each op runs on the model. faultCommit after a faultBegin that left nothing in flight is `ok` (the fault ended at begin). */
const HANDLERS: Handlers = {
  setMemslot: ({ kvm }, s) => kvm.setMemslot(s),
  getDirtyLog: ({ kvm }, s) => kvm.getDirtyLog(s.slot).outcome,
  clearDirtyLog: ({ kvm }, s) => kvm.clearDirtyLog(s.slot, s.first, s.count).outcome,
  mmap: ({ host: h }, s) => host(h.mmap(s)),
  munmap: ({ host: h }, s) => host(h.munmap(s.hva, s.size)),
  mprotect: ({ host: h }, s) => host(h.mprotect(s.hva, s.size, s.prot)),
  madviseDontneed: ({ host: h }, s) => host(h.madviseDontneed(s.hva, s.size)),
  migrate: ({ host: h }, s) => host(h.migrate(s.hva)),
  thpCollapse: ({ host: h }, s) => host(h.thpCollapse(s.hva)),
  thpSplit: ({ host: h }, s) => host(h.thpSplit(s.hva)),
  invalidateBegin: ({ host: h }, s) => (h.invalidateBegin(s.hva, s.size), { kind: 'ok' }),
  invalidateEnd: ({ host: h }, s) => (h.invalidateEnd(s.id), { kind: 'ok' }),
  access: ({ kvm }, s) => kvm.access(s.vcpu, s.ipa, s.kind, s.s1),
  faultBegin: ({ kvm }, s) => kvm.faultBegin(s.vcpu, s.ipa, s.kind),
  faultCommit: ({ kvm }, s) => (kvm.faultInFlight(s.vcpu) ? kvm.faultCommit(s.vcpu) : { kind: 'ok' }),
  age: ({ host: h }, s) => (h.age(s.hva, s.size), { kind: 'ok' }),
  testAge: ({ host: h }, s) => (h.testAge(s.hva, s.size), { kind: 'ok' }),
  ioremap: ({ kvm }, s) => kvm.ioremap(s.ipa, s.pa, s.size, s.writable),
  setOwner: () => { throw new RangeError('setOwner: the model has no pKVM host stage 2'); },
  hostAccess: () => { throw new RangeError('hostAccess: the model has no pKVM host stage 2'); },
};

/** Run every step of `trace` on a fresh model world; throws (naming the step) on any exception. */
export function runOnModel(trace: Trace): Outcome[] {
  const config: Config = trace.config;
  const h = new HostMm({ pageSize: config.granule });
  const w = { host: h, kvm: new KvmModel(config, h) };
  return trace.steps.map((ts, i) => {
    const s = decodeStep(ts);
    try {
      return (HANDLERS[s.op] as (w: { host: HostMm; kvm: KvmModel }, s: Step) => Outcome)(w, s);
    } catch (e) {
      throw new Error(`steps[${i}] ${JSON.stringify(ts)}: ${(e as Error).message}`, { cause: e });
    }
  });
}
