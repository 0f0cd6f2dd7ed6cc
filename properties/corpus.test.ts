/** The committed corpus (reports/corpus/*.json) replays to its recorded verdict: its `found` invariant fires at its step. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayOk, replayText, verdictText } from './replay';

const DIR = join(__dirname, '..', 'reports', 'corpus');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('corpus replay', () => {
  test('the corpus is not empty', () => expect(files.length).toBeGreaterThan(0));
  test.each(files)('%s replays to its recorded verdict', (f) => {
    const r = replayText(readFileSync(join(DIR, f), 'utf8'));
    expect(r.trace.found).toBeDefined();
    expect(r.matchesFound).toBe(true);
    expect(replayOk(r)).toBe(true);
    expect(verdictText(r.verdict)).not.toBe('pass');
  });
});
