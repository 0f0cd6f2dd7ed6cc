/** The pasteable jest test of a finding: its embedded trace is the finding, byte for byte, and it asserts the recorded verdict. */
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
  expect(s).toContain("from '../../properties/replay'");
  expect(s).toContain('expect(r.matchesFound).toBe(true)');
  expect(s).toMatch(/^test\("RO_SLOT_NEVER_WRITABLE @ access \[ro-device-writable\] \(finding-[0-9a-f]{12}\)"/m);
});

test('a trace without found has no snippet', () => {
  expect(() => jestSnippet({ ...foundTrace('X'), found: undefined })).toThrow(RangeError);
});
