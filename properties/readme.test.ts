/** The README's tables stay true: every invariant, comparison and historical bug is listed. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { ALL_INVARIANTS } from './invariants';
import { COMPARISONS } from './runner/compare';
import { BUGS } from '../impl/bugs';
import { ACCESS_KINDS } from '../model/types';
import { configSchema, expectSchema, OUTCOME_KINDS, stepSchema } from './trace';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it.each([...COMPARISONS, ...ALL_INVARIANTS].map((i) => i.name))('lists invariant %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });
  it.each(BUGS.map((b) => [b.name, b.invariant]))('lists historical bug %s caught by %s', (name, inv) => {
    expect(readme).toMatch(new RegExp(`\\| \`${name}\` \\|.*\\| \`${inv}\` \\|`));
  });
  it('stands alone: no link or path outside the repository, and every document it cites is in it', () => {
    expect(readme).not.toMatch(/\.\.\/(shared|[A-Za-z])/);
    for (const doc of ['docs/DESIGN.md', 'docs/kvm-s2-facts.md', 'docs/seeds.md']) {
      expect(readme).toContain(doc);
      expect(readFileSync(join(__dirname, '..', doc), 'utf8').length).toBeGreaterThan(1000);
    }
  });
  it('documents the whole trace vocabulary: every op, config key, access kind, outcome and expect key', () => {
    for (const op of stepSchema.options.map((o) => o.shape.op.value)) expect(readme).toContain(`\`${op}\``);
    for (const k of Object.keys(configSchema.shape)) expect(readme).toContain(`| \`${k}\` |`);
    for (const k of [...ACCESS_KINDS, ...OUTCOME_KINDS, ...Object.keys(expectSchema.shape)]) expect(readme).toContain(`\`${k}`);
  });
  it('gives the two commands and they exist in package.json', () => {
    const scripts = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(readme).toContain('npm ci && npm run fuzz');
    expect(readme).toContain('npm ci && npm test');
    for (const s of ['fuzz', 'test', 'replay', 'mutants', 'bench', 'typecheck', 'lint']) expect(scripts[s]).toBeDefined();
  });
});
