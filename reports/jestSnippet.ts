/** Print a finding as a pasteable jest test that replays it (promotion to reports/corpus/ is one copy). */
import { serialize, type Trace } from '../properties/trace';
import { signatureOf } from './dedup';

/**
 * A self-contained jest test for `trace` (which must carry `found`): it imports from the package
 * root (`s2check/...`, mapped by jest.config.ts and tsconfig.json), so it works in any new
 * `*.test.ts` file of this repository, and asserts the replay finds the recorded invariant at the
 * recorded step again (properties/replay.ts matchesFound).
 */
export function jestSnippet(trace: Trace): string {
  const sig = signatureOf(trace);
  if (!sig || !trace.found) throw new RangeError('jestSnippet: the trace has no `found`');
  const text = serialize(trace).replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  return [
    `// Paste into any new *.test.ts file of the s2check repository (e.g. reports/corpus/finding-${sig.hash}.test.ts).`,
    `import { parseTraceText } from 's2check/properties/trace';`,
    `import { replayTrace } from 's2check/properties/replay';`,
    ``,
    `// ${sig.text} — finding-${sig.hash}`,
    `test(${JSON.stringify(`${sig.text} (finding-${sig.hash})`)}, () => {`,
    `  const trace = parseTraceText(\`${text}\`);`,
    `  const r = replayTrace(trace);`,
    `  // the recorded finding (${trace.found.invariant} at step ${trace.found.step}) fires again`,
    `  expect(r.matchesFound).toBe(true);`,
    `});`,
    ``,
  ].join('\n');
}
