/** Generated sequences: schema-valid, long enough, respecting the preconditions, deterministic, and executable on the model. */
import * as fc from 'fast-check';
import { parseTrace } from '../trace/parse';
import { decodeStep } from '../trace/codec';
import type { Trace } from '../trace/schema';
import { traceArbitrary } from './arbitraries';
import { CATALOG } from './catalog';
import { runOnModel } from './modelDriver';
import { OP_NAMES } from '../trace/schema';

const SEED = 0x5eed;
const traces: Trace[] = fc.sample(traceArbitrary(), { numRuns: 150, seed: SEED });

describe('step generation', () => {
  test('the catalog has one entry per DESIGN §3 op, each with the op\'s schema', () => {
    expect(CATALOG.map((e) => e.name).sort()).toEqual([...OP_NAMES].sort());
    for (const e of CATALOG) expect(e.schema.safeParse({ op: e.name }).success).toBe(false);
  });

  test('every generated trace validates against the schema', () => {
    for (const t of traces) expect(parseTrace(JSON.parse(JSON.stringify(t)))).toEqual(t);
  });

  test('at least 60% of sequences reach 50 steps; none is absurdly long', () => {
    const lengths = traces.map((t) => t.steps.length);
    expect(lengths.filter((n) => n >= 50).length / lengths.length).toBeGreaterThanOrEqual(0.6);
    expect(lengths.filter((n) => n >= 150).length).toBeGreaterThan(0);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(420);
  });

  test('the same seed gives the same traces', () => {
    expect(fc.sample(traceArbitrary(), { numRuns: 5, seed: SEED })).toEqual(traces.slice(0, 5));
  });

  test('preconditions hold along every trace (model/index.ts rules) and the end is quiescent', () => {
    for (const t of traces) {
      const open = new Set<number>();
      const pending = new Set<number>();
      let nextId = 0;
      for (const ts of t.steps) {
        const s = decodeStep(ts);
        if (s.op === 'setMemslot') expect(open.size + pending.size).toBe(0);
        if (s.op === 'access') expect(open.size === 0 && !pending.has(s.vcpu)).toBe(true);
        if (s.op === 'faultBegin') { expect(pending.has(s.vcpu)).toBe(false); pending.add(s.vcpu); }
        if (s.op === 'faultCommit') expect(pending.delete(s.vcpu)).toBe(true);
        if (s.op === 'invalidateBegin') open.add(nextId++);
        if (s.op === 'invalidateEnd') expect(open.delete(s.id)).toBe(true);
        if (s.op === 'setOwner' || s.op === 'hostAccess') throw new Error('pKVM ops are off by default');
      }
      expect(open.size + pending.size).toBe(0);
    }
  });

  test('every generated trace replays on HostMm + KvmModel without an exception', () => {
    const kinds = new Set<string>();
    for (const t of traces) for (const o of runOnModel(t)) kinds.add(o.kind);
    // the outcomes the generator reaches on the model (nisv needs nisvToUser, below)
    expect([...kinds].sort()).toEqual(['efault', 'enosys', 'errno', 'injectDabt', 'injectPabt', 'mmio', 'ok', 'retry', 'skip'].sort());
  });

  test('other configs replay too: nisvToUser + FWB/DIC + proposal2021, 16K and 64K granules', () => {
    const configs = [
      { nisvToUser: true, fwb: true, dic: true, cmoPolicy: 'proposal2021' as const },
      { granule: 16384 as const }, { granule: 65536 as const, iaBits: 48 },
    ];
    const kinds = new Set<string>();
    for (const config of configs) {
      for (const t of fc.sample(traceArbitrary({ config, maxSteps: 80 }), { numRuns: 15, seed: SEED })) {
        parseTrace(t);
        for (const o of runOnModel(t)) kinds.add(o.kind);
      }
    }
    expect(kinds.has('nisv')).toBe(true);
  });
});
