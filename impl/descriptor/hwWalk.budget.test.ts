/**
 * The generated translation must stay small enough for V8 to inline it into translate's caller
 * (max_inlined_bytecode_size, 460 bytes of bytecode in Node 20's V8): past it every translation
 * becomes a call that boxes its IPA, and the hot walk slows by half. A structural check, not a timing.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const V8_INLINE_LIMIT = 460;

const SCRIPT = `
const { Stage2Pgtable } = require('./impl/pgtable');
const { makeTranslateOut, translate } = require('./impl/translate');
for (const granule of [4096, 16384, 65536]) for (const iaBits of [32, 36, 40, 44, 48]) for (const fwb of [false, true]) {
  translate(new Stage2Pgtable({ granule, iaBits, fwb }), 0, 'read', makeTranslateOut());
}`;

describe('generated translation size', () => {
  it(`every geometry's specialised walk is at most ${V8_INLINE_LIMIT} bytes of bytecode`, () => {
    const r = spawnSync(process.execPath, ['--print-bytecode', '--print-bytecode-filter=hwTranslateSpecialised',
      '-r', 'ts-node/register/transpile-only', '-e', SCRIPT], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.stderr.split('\n').filter((l) => /Error/.test(l))).toEqual([]);
    const sizes = [...r.stdout.matchAll(/Bytecode length: (\d+)/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThanOrEqual(3); // at least one distinct walk per granule
    expect(Math.max(...sizes)).toBeLessThanOrEqual(V8_INLINE_LIMIT);
  }, 60_000);
});
