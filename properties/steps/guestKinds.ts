/** Catalog entries of guest-side steps: access, split faults, pKVM host stage-2 ops (facts §15, §2.4). */
import { defineKind, rawArgs } from './kind';
import { nthOf, r } from './pick';
import { pickIpa, pickKind, pickS1 } from './targets';
import { freeVcpuCount, nthFreeVcpu, type GenWorld } from './world';

const HOT_MAX = 4;
const pageOf = (w: GenWorld, ipa: number): number => ipa - (ipa % w.geo.page);

function remember(w: GenWorld, ipa: number): void {
  if (w.hot.includes(ipa)) return;
  w.hot.push(ipa);
  if (w.hot.length > HOT_MAX) w.hot.shift();
}

/** A full access. Not while an invalidation is open: its fault would retry until the end (facts §14.4), and a trace has no concurrency; split faults cover that case. */
export const access = defineKind('access', {
  weight: () => 28,
  precondition: (w) => w.open.length === 0 && freeVcpuCount(w) > 0,
  arbitrary: rawArgs,
  resolve: (w, raw) => {
    const s1 = pickS1(r(raw, 5));
    const vcpu = nthFreeVcpu(w, r(raw, 5));
    const ipa = pickIpa(w, raw);
    const kind = pickKind(r(raw, 3) + r(raw, 2));
    return [s1 === undefined ? { op: 'access', vcpu, ipa, kind } : { op: 'access', vcpu, ipa, kind, s1 }];
  },
  update: (w, s) => remember(w, s.ipa),
});

/** First half of a split fault; often the page another vCPU is faulting (two vCPUs, one page). */
export const faultBegin = defineKind('faultBegin', {
  weight: () => 9,
  precondition: (w) => freeVcpuCount(w) > 0,
  arbitrary: rawArgs,
  resolve: (w, raw) => {
    const ipa = w.pending.size > 0 && r(raw, 5) % 2 === 0 ? nthOf(w.pending.values(), w.pending.size, r(raw, 0)).ipa : pickIpa(w, raw);
    return [{ op: 'faultBegin', vcpu: nthFreeVcpu(w, r(raw, 5)), ipa, kind: pickKind(r(raw, 3) + r(raw, 2)) }];
  },
  update: (w, s) => {
    w.pending.set(s.vcpu, { ipa: s.ipa, kind: s.kind });
    remember(w, s.ipa);
  },
});

/** Second half of a split fault, only for a vCPU the generator began one on. */
export const faultCommit = defineKind('faultCommit', {
  weight: () => 9,
  precondition: (w) => w.pending.size > 0,
  arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'faultCommit', vcpu: nthOf(w.pending.keys(), w.pending.size, r(raw, 0)) }],
  update: (w, s) => void w.pending.delete(s.vcpu),
  drain: (w) => [...w.pending.keys()].map((vcpu) => ({ op: 'faultCommit' as const, vcpu })),
});

/** pKVM host stage 2: annotate pages with an owner (seed 004). Off unless `hostStage2`. */
export const setOwner = defineKind('setOwner', {
  weight: (o) => (o.hostStage2 ? 3 : 0),
  precondition: (w) => w.opts.hostStage2,
  arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'setOwner', ipa: pageOf(w, pickIpa(w, raw)), size: w.geo.page * (1 + (r(raw, 5) % 2)), owner: r(raw, 4) % 2 }],
});

/** pKVM host access to a page (host stage-2 fault). Off unless `hostStage2`. */
export const hostAccess = defineKind('hostAccess', {
  weight: (o) => (o.hostStage2 ? 3 : 0),
  precondition: (w) => w.opts.hostStage2,
  arbitrary: rawArgs,
  resolve: (w, raw) => [{ op: 'hostAccess', ipa: pickIpa(w, raw), kind: pickKind(r(raw, 3)) }],
});
