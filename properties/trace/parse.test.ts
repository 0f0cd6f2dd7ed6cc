/** The trace schema: the DESIGN §4 example parses; every bad input names the step index and the field. */
import { parseTrace, parseTraceText, TraceError } from './parse';

const EXAMPLE = `{ "format": "s2check-trace/1",
  "config": { "granule": 4096, "iaBits": 40, "fwb": false, "dic": false, "nisvToUser": false,
              "cmoPolicy": "mainline", "bugs": [] },
  "steps": [
    { "op": "mmap", "hva": "0x7f0000000000", "size": "0x200000", "prot": "rw", "kind": "anon" },
    { "op": "setMemslot", "slot": 0, "gpa": "0x40000000", "size": "0x200000",
      "hva": "0x7f0000000000", "flags": ["READONLY"], "expect": { "outcome": "ok" } },
    { "op": "access", "vcpu": 0, "ipa": "0x40001000", "kind": "write",
      "expect": { "outcome": "mmio", "mapped": false } } ],
  "found": { "invariant": "RO_SLOT_NEVER_WRITABLE", "step": 2, "seed": 42, "path": "3:1:0" } }`;

type Json = Record<string, unknown> & { steps: Array<Record<string, unknown>>; config: Record<string, unknown> };
const mutated = (f: (t: Json) => void): Json => {
  const t = JSON.parse(EXAMPLE) as Json;
  f(t);
  return t;
};
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    return (e as TraceError).message;
  }
  throw new Error('no TraceError thrown');
};

describe('parseTrace', () => {
  test('the DESIGN §4 example parses with its values', () => {
    const t = parseTraceText(EXAMPLE);
    expect(t.steps.map((s) => s.op)).toEqual(['mmap', 'setMemslot', 'access']);
    expect(t.steps[2]).toMatchObject({ ipa: '0x40001000', kind: 'write', expect: { outcome: 'mmio', mapped: false } });
    expect(t.found).toEqual({ invariant: 'RO_SLOT_NEVER_WRITABLE', step: 2, seed: 42, path: '3:1:0' });
  });

  test.each<[string, (t: Json) => void, string]>([
    ['non-hex address', (t) => { t.steps[2].ipa = '40001000'; }, 'steps[2].ipa: expected a hex string like 0x40001000, got "40001000"'],
    ['upper-case hex', (t) => { t.steps[0].hva = '0x7F0000000000'; }, 'steps[0].hva: expected canonical hex (lower-case, no leading zeros)'],
    ['hex beyond 2^53', (t) => { t.steps[0].size = '0x20000000000000'; }, 'steps[0].size: hex value must be below 2^53'],
    ['unknown op', (t) => { t.steps[1].op = 'setMemSlot'; }, 'steps[1].op: unknown op "setMemSlot" (known: setMemslot,'],
    ['missing field', (t) => { delete t.steps[1].hva; }, 'steps[1].hva: required field missing'],
    ['missing op', (t) => { delete t.steps[1].op; }, 'steps[1].op: required field missing'],
    ['unknown field in a step', (t) => { t.steps[1].color = 'red'; }, 'steps[1].color: unknown field'],
    ['unknown field in expect', (t) => { (t.steps[2].expect as Record<string, unknown>).pfn = 1; }, 'steps[2].expect.pfn: unknown field'],
    ['unknown top-level field', (t) => { t.extra = 1; }, 'extra: unknown field'],
    ['wrong format version', (t) => { t.format = 's2check-trace/2'; }, 'format: expected "s2check-trace/1", got "s2check-trace/2"'],
    ['unknown bug name', (t) => { t.config.bugs = ['no-mmu-seq-retry', 'nope']; }, 'config.bugs[1]: unknown historical bug "nope"'],
    ['bad enum', (t) => { t.steps[2].kind = 'reed'; }, 'steps[2].kind: expected one of read, write,'],
    ['wrong type', (t) => { t.steps[2].vcpu = '0'; }, 'steps[2].vcpu: expected number, got "0"'],
    ['bad outcome name', (t) => { (t.steps[2].expect as Record<string, unknown>).outcome = 'oops'; }, 'steps[2].expect.outcome: expected one of ok, mmio, nisv'],
    ['bad granule', (t) => { t.config.granule = 8192; }, 'config.granule:'],
  ])('%s', (_name, f, msg) => {
    const m = messageOf(() => parseTrace(mutated(f)));
    expect(m.startsWith(msg)).toBe(true);
    expect(m).not.toContain('\n');
  });

  test('bad JSON names the line, the column and the step it is in', () => {
    const text = EXAMPLE.replace('"kind": "write",', '"kind": "write",,');
    const m = messageOf(() => parseTraceText(text));
    expect(m).toMatch(/^steps\[2\]: bad JSON at line 8 col \d+: expected a property name/);
  });

  test('truncated JSON says where it ended', () => {
    expect(messageOf(() => parseTraceText(EXAMPLE.slice(0, EXAMPLE.indexOf('"flags"'))))).toMatch(/^steps\[1\].*bad JSON at line \d+ col \d+: unexpected end of input/);
  });

  test('TraceError lists every issue and carries the field', () => {
    try {
      parseTrace(mutated((t) => { t.steps[0].hva = 'x'; t.steps[2].ipa = 'y'; }));
    } catch (e) {
      expect((e as TraceError).field).toBe('steps[0].hva');
      expect((e as TraceError).issues).toHaveLength(2);
    }
    expect.assertions(2);
  });
});
