import fc from 'fast-check';
import { traceArbitrary } from '../properties/steps/arbitraries';
import { executablePart, notExecutable } from '../real/encode';
import { predict } from '../real/run';
const arb = traceArbitrary({ config: { granule: 4096, fwb: false, dic: false, protectedVm: false, hwAccessFlag: false }, draw: ['iaBits', 'nisvToUser', 'cmoPolicy'], maxSteps: 200 });
for (let r = 0; r < 2; r++) {
  let t0 = Date.now();
  const items = fc.sample(arb, { seed: 1 + r, numRuns: 300 }).map(executablePart).filter((t) => t.steps.length > 0 && notExecutable(t) === null);
  const gen = Date.now() - t0; t0 = Date.now();
  let steps = 0;
  for (const t of items) { predict(t); steps += t.steps.length; }
  console.log(`gen ${gen} ms, predict ${Date.now() - t0} ms for ${items.length} traces, ${steps} steps`);
}
