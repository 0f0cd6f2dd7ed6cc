/** The pasteable jest test of a finding: its embedded trace is the finding, byte for byte, and it asserts the recorded verdict. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseTraceText, serialize } from '../properties/trace';
import { jestSnippet } from './jestSnippet';
import { foundTrace } from './testkit';

test('the snippet embeds the canonical trace and checks the recorded finding', () => {
  const t = foundTrace('RO_SLOT_NEVER_WRITABLE', 1, ['ro-device-writable']);
  const s = jestSnippet(t);
  const body = /parseTraceText\(`([\s\S]*?)`\)/.exec(s)?.[1] ?? '';
  const text = body.replace(/\\`/g, '`').replace(/\\\$\{/g, '${').replace(/\\\\/g, '\\');
  expect(text).toBe(serialize(t));
  expect(parseTraceText(text)).toEqual(parseTraceText(serialize(t)));
  expect(s).toContain("from 's2check/properties/replay'");
  expect(s).toContain('expect(r.matchesFound).toBe(true)');
  expect(s).toMatch(/^test\("RO_SLOT_NEVER_WRITABLE @ access \[ro-device-writable\] \(finding-[0-9a-f]{12}\)"/m);
});

test('a trace without found has no snippet', () => {
  expect(() => jestSnippet({ ...foundTrace('X'), found: undefined })).toThrow(RangeError);
});

test('the snippet passes as pasted, at any depth of the repository', () => {
  const root = path.join(__dirname, '..');
  const dir = path.join(__dirname, `.snippet-${process.pid}`, 'deep', 'er');
  fs.mkdirSync(dir, { recursive: true });
  try {
    const file = path.join(dir, 'pasted.test.ts');
    // A real finding (the committed corpus trace of ro-device-writable), so the pasted test really replays it.
    fs.writeFileSync(file, jestSnippet(parseTraceText(fs.readFileSync(path.join(root, 'reports', 'corpus', 'ro-device-writable.json'), 'utf8'))));
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runTestsByPath', file, '--ci'], { cwd: root, encoding: 'utf8' });
    expect({ status: r.status, out: r.stderr.match(/Tests:.*$/m)?.[0] }).toEqual({ status: 0, out: expect.stringMatching(/1 passed, 1 total/) });
  } finally {
    fs.rmSync(path.join(__dirname, `.snippet-${process.pid}`), { recursive: true, force: true });
  }
}, 120_000);
