/** The README's tables stay true: every invariant, comparison and historical bug is listed. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { ALL_INVARIANTS } from './invariants';
import { COMPARISONS } from './runner/compare';
import { BUGS } from '../impl/bugs';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it.each([...COMPARISONS, ...ALL_INVARIANTS].map((i) => i.name))('lists invariant %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });
  it.each(BUGS.map((b) => [b.name, b.invariant]))('lists historical bug %s caught by %s', (name, inv) => {
    expect(readme).toMatch(new RegExp(`\\| \`${name}\` \\|.*\\| \`${inv}\` \\|`));
  });
  it('gives the two commands and they exist in package.json', () => {
    const scripts = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(readme).toContain('npm ci && npm run fuzz');
    expect(readme).toContain('npm ci && npm test');
    for (const s of ['fuzz', 'test', 'replay', 'mutants', 'bench', 'typecheck', 'lint']) expect(scripts[s]).toBeDefined();
  });
});
