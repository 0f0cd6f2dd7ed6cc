/** Throwaway triage probe (delete after use): search seeds/configs for violations, skipping traces that installed a block. */
import { writeFileSync } from 'fs';
import * as fc from 'fast-check';
import type { Config } from '../model/types';
import { traceArbitrary } from '../properties/steps/arbitraries';
import { runTrace } from '../properties/runner/runner';
import { failureOf } from '../properties/runner/property';
const only = process.argv[2];
const noBlocks = process.argv[3] !== 'all';
const seedsArg = process.argv[4];
const jobs: Array<{ name: string; seeds: number[]; config: Partial<Config> }> = [
  { name: 'main', seeds: Array.from({ length: 15 }, (_, i) => i + 1), config: { bugs: [] } },
  { name: 'fwbdic', seeds: [1, 2, 3, 4, 5], config: { bugs: [], fwb: true, dic: true } },
  { name: 'nisv', seeds: [1, 2, 3, 4, 5], config: { bugs: [], nisvToUser: true } },
  { name: 'g16k', seeds: [1, 2, 3, 4, 5], config: { bugs: [], granule: 16384 } },
  { name: 'cmo21', seeds: [1, 2, 3, 4, 5], config: { bugs: [], cmoPolicy: 'proposal2021' } },
];
for (const j of jobs) {
  if (only && only !== j.name) continue;
  const seeds = seedsArg ? seedsArg.split(',').map(Number) : j.seeds;
  for (const seed of seeds) {
    let runs = 0; let skipped = 0;
    const prop = fc.property(traceArbitrary({ config: j.config, maxSteps: 100 }), (t) => {
      const r = runTrace(t, { validate: false });
      const f = failureOf(r, undefined);
      if (f && noBlocks && (r.stats.labels.has('block installed'))) { skipped++; return true; }
      runs++;
      return f === null;
    });
    const d = fc.check(prop, { seed, numRuns: 200 });
    const t = d.counterexample?.[0];
    const f = t ? failureOf(runTrace(t, { validate: false }), undefined) : null;
    console.log(j.name, seed, runs, 'skippedBlock', skipped, f ? `${f.invariant} @${f.step}: ${f.message.split('\n')[0]}` : 'clean');
    if (t && f) writeFileSync(`/tmp/pb/nb-${j.name}-${seed}.json`, JSON.stringify({ ...t, found: { ...f, seed } }, null, 1));
  }
}
