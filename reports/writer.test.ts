/** writeReport: a reused report directory ends up holding exactly the new run's finding files. */
import * as fs from 'fs';
import * as path from 'path';
import { foundTrace, summaryFor, tmpRoot } from './testkit';
import { findingsOf, writeReport } from './writer';

describe('writeReport', () => {
  it('removes finding files an earlier run left in the same directory, and nothing else', () => {
    const dir = path.join(tmpRoot(), 'out');
    const first = summaryFor('first', '0/1', [foundTrace('NO_STALE_PFN'), foundTrace('RO_SLOT_NEVER_WRITABLE')]);
    writeReport(dir, first.summary, findingsOf(first.set));
    const old = first.summary.findings.map((f) => f.file);
    expect(old).toHaveLength(2);
    fs.writeFileSync(path.join(dir, 'notes.json'), '{}');
    fs.writeFileSync(path.join(dir, 'finding-by-hand.json'), '{}');

    const second = summaryFor('second', '0/1', [foundTrace('RO_SLOT_NEVER_WRITABLE')]);
    writeReport(dir, second.summary, findingsOf(second.set));
    const kept = second.summary.findings.map((f) => f.file);
    expect(kept).toHaveLength(1);
    const files = fs.readdirSync(dir).filter((n) => n.startsWith('finding-')).sort();
    expect(files).toEqual([...kept, 'finding-by-hand.json'].sort());
    expect(fs.existsSync(path.join(dir, 'notes.json'))).toBe(true);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { run: string; findings: { file: string }[] };
    expect(summary.run).toBe('second');
    for (const f of summary.findings) expect(fs.existsSync(path.join(dir, f.file))).toBe(true);
  });
});
