/**
 * Legitimate freedom (issue 14): a KVM that maps smaller than the model permits — here the test-only
 * `pages-only` impl variant, every fault a page, as kernels before block mappings — is correct, so
 * random traces over generated configs must find nothing on it beyond mainline's registered kernel
 * findings. The model follows the impl's leaf-size choices (KvmModel.followLeafChoices); without
 * that, this variant gave 16 distinct new findings in a 60 s fuzz (OUTCOME_EQUAL, MAPPING_PERMITTED,
 * DIRTY_LOG_COMPLETE), all from the two worlds taking different faults, and the first test here fails.
 */
import fc from 'fast-check';
import { genTraceArbitrary } from './steps/arbitraries';
import { DRAWN_KEYS } from './steps/config';
import { runSteps } from './runner/runner';

const traces = fc.sample(genTraceArbitrary({ draw: DRAWN_KEYS, maxSteps: 60 }), { seed: 141414, numRuns: 80 });

describe('the pages-only impl variant (impl/variants.ts)', () => {
  it('finds nothing new in 80 generated traces of seed 141414', () => {
    const found: string[] = [];
    for (const t of traces) {
      const r = runSteps(t.config, t.steps, { implVariant: 'pages-only' });
      if (r.error) found.push(`error @${r.error.step}: ${r.error.message}`);
      const v = r.violations[0];
      if (v && v.known === undefined) found.push(`${v.invariant} @${v.step} (${JSON.stringify(t.config)}): ${v.message}`);
    }
    expect(found).toEqual([]);
  });

  it('really maps differently: mainline installs blocks in these traces, the variant never does', () => {
    const blocks = (variant?: 'pages-only'): number => traces.filter((t) =>
      runSteps(t.config, t.steps, variant ? { implVariant: variant } : {}).stats.labels.has('block installed')).length;
    expect(blocks()).toBeGreaterThan(5);
    expect(blocks('pages-only')).toBe(0);
  });
});
