/** The runner's data, followed through the model's host (real/guestMemory.ts): what a load reads, where a walker can write AF back. */
import { parseTrace } from '../properties/trace';
import { decodeStep } from '../properties/trace';
import { GuestMemory } from './guestMemory';

const CONFIG = { granule: 4096, iaBits: 40, fwb: false, dic: false, nisvToUser: false, cmoPolicy: 'mainline', bugs: [] };
const WINDOW = 0xffffc00000;
const DESC = WINDOW + 0x303;
const AF = 0x400;
const MMAP = { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' };
const SLOT = { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] };
const W = { op: 'vmmWrite', hva: '0x7f0000001000' };
const acc = (kind: string, ipa = '0x40001008') => ({ op: 'access', vcpu: 0, ipa, kind });
const READ = acc('read');

/** The value each step's load read by the oracle (undefined: no load; null: not known), the refusals as text. */
function loads(steps: unknown[], config: object = {}): (number | null | undefined | string)[] {
  const t = parseTrace({ format: 's2check-trace/1', config: { ...CONFIG, ...config }, steps });
  const mem = new GuestMemory(t.config, WINDOW);
  return t.steps.map((s) => mem.step(decodeStep(s)) ?? mem.lastLoad);
}

describe('real/guestMemory', () => {
  test('a load reads the zero page, then the VMM\'s descriptors, then what the guest and the walker stored', () => {
    expect(loads([MMAP, SLOT, READ, W, READ, acc('write'), READ, acc('read', '0x40001010'), acc('s1ptw_write', '0x40001010'), acc('read', '0x40001010')]))
      .toEqual([undefined, undefined, 0, undefined, DESC, undefined, 0, DESC, undefined, DESC + AF]);
    // DC ZVA zeroes its 64-byte block; a CAS (compare with 0) never changes a word; an unaligned load is not known.
    expect(loads([MMAP, SLOT, W, acc('dc_zva', '0x40001030'), READ, acc('read', '0x40001040'), acc('cas', '0x40001048'), acc('read', '0x40001048'), acc('read', '0x40001044')]))
      .toEqual([undefined, undefined, undefined, undefined, 0, DESC, undefined, DESC, null]);
  });

  test('a zap loses an anon page, a userfaultfd handler hands the written page back, a shared file keeps it', () => {
    const zap = { op: 'madviseDontneed', hva: '0x7f0000000000', size: '0x200000' };
    expect(loads([MMAP, SLOT, W, zap, READ]).at(-1)).toBe(0);
    expect(loads([{ ...MMAP, uffd: true }, SLOT, W, acc('write'), zap, READ]).at(-1)).toBe(DESC);
    expect(loads([{ ...MMAP, kind: 'file' }, SLOT, W, zap, READ]).at(-1)).toBe(DESC);
  });

  test('a collapse copies the words into the new huge page; a device BAR\'s words are not known', () => {
    expect(loads([MMAP, SLOT, W, acc('write', '0x40002000'), { op: 'thpCollapse', hva: '0x7f0000000000' }, READ]).at(-1)).toBe(DESC);
    expect(loads([{ ...MMAP, kind: 'pfnmap', pa: '0x10000000' }, SLOT, READ]).at(-1)).toBeNull();
    expect(loads([{ ...MMAP, kind: 'pfnmap', pa: '0x10000000' }, SLOT, W, READ]).at(-1)).toBe(DESC);
  });

  test('s1ptw_write is refused where its word holds no descriptor, or a block would hide its fault level', () => {
    expect(loads([MMAP, SLOT, acc('s1ptw_write')]).at(-1)).toMatch(/no vmmWrite left one/);
    expect(loads([MMAP, SLOT, W, acc('s1ptw_write')], { thp: 'always' }).at(-1)).toMatch(/QEMU 7\.2/);
  });
});
