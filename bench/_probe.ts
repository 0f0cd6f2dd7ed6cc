import { findViolation } from '../properties/runner/property';
for (const seed of [1, 2, 3]) {
  const r = findViolation({ numRuns: 200, maxSteps: 100, seed, config: { bugs: [] } });
  console.log('mainline seed', seed, r.runs, r.found ? JSON.stringify(r.found) : 'clean');
}
const r = findViolation({ numRuns: 300, maxSteps: 60, seed: 5150, config: { bugs: ['split-without-bbm'] } });
console.log('split', r.runs, r.found ? JSON.stringify(r.found) : 'none', JSON.stringify(r.alsoFired ?? null));
