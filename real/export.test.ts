/** The exported reproducer's source: the trace, the specification's results and the runner, in one C file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText } from '../properties/trace';
import { exportReproducer } from './export';

const ROOT = join(__dirname, '..');
const load = (f: string) => parseTraceText(readFileSync(join(ROOT, f), 'utf8'));

describe('exportReproducer', () => {
  test('embeds the encoded trace, the model\'s result per step (CMOs not compared) and the standalone runner', () => {
    const c = exportReproducer('CMO', load('properties/fixtures/CMO_SEMANTICS.json'));
    expect(c).toMatch(/^\/\*\n \* s2check reproducer for CMO/);
    expect(c).toContain('#define S2_STANDALONE 1');
    expect(c).toMatch(/static const char S2_TRACES\[\] = "T 0 28 0 0 [0-9a-f]+ \d [0-9a-f ]+\\n/);
    expect(c).toMatch(/static const char \*const S2_EXPECT\[\] = \{ .*"\*".* \};/);
    expect(c).toContain('#define S2_NEEDS_BAR 0');
    expect(c).toContain(readFileSync(join(ROOT, 'real/runner/s2runner.c'), 'utf8'));
  });

  test('a pfnmap trace says it needs a BAR; a non-executable trace is refused naming the step', () => {
    expect(exportReproducer('p', load('reports/corpus/kernel-pfnmap-prot-none-mapped.json'))).toContain('#define S2_NEEDS_BAR 1');
    expect(exportReproducer('p', load('reports/corpus/kernel-pfnmap-prot-none-mapped.json'))).toContain('"ok", "ok", "ok", "efault"');
    expect(() => exportReproducer('x', load('properties/fixtures/NO_STALE_PFN.json'))).toThrow(/trace: not executable on a real kernel: steps\[2\] faultBegin/);
  });
});
