/** Bad input through KvmModel: the kernel's outcome where one exists, else S2InputError naming the field (issue 3). */
import { GPA, HVA, slotOver, world } from './testkit/world';
import { S2InputError, type AccessKind, type S1MemType } from './types';

/** Run `f` and return the S2InputError field it threw (fails the test on any other result). */
function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof S2InputError) return e.field;
    throw e;
  }
  throw new Error('no S2InputError thrown');
}

describe('KvmModel bad input', () => {
  const w = world();
  slotOver(w);

  test.each([
    ['kind', () => w.kvm.access(0, GPA, 'bogus' as AccessKind)],
    ['kind', () => w.kvm.access(0, 0x1000, 'bogus' as AccessKind)],
    ['kind', () => w.kvm.faultBegin(0, GPA, 'bogus' as AccessKind)],
    ['ipa', () => w.kvm.access(0, -0x1000, 'read')],
    ['ipa', () => w.kvm.access(0, Number.NaN, 'read')],
    ['ipa', () => w.kvm.access(0, GPA + 0.5, 'read')],
    ['vcpu', () => w.kvm.access(-1, GPA, 'read')],
    ['vcpu', () => w.kvm.faultCommit(1.5)],
    ['s1', () => w.kvm.access(0, GPA, 'read', 'bogus' as S1MemType)],
    ['flags', () => w.kvm.setMemslot({ slot: 1, gpa: 0, size: 0x1000, hva: HVA, flags: undefined as unknown as string[] })],
    ['gpa', () => w.kvm.setMemslot({ slot: 1, gpa: Number.NaN, size: 0x1000, hva: HVA, flags: [] })],
    ['ipa', () => w.kvm.ioremap(-0x1000, 0, 0x1000, true)],
    ['size', () => w.kvm.ioremap(0, 0, Number.NaN, true)],
    ['gfn', () => w.kvm.permitted(-1)],
  ])('%s', (field, f) => {
    expect(fieldOf(f)).toBe(field);
  });

  test('nothing was changed by the rejected calls', () => {
    expect(w.kvm.mappedGfns()).toEqual([]);
    expect([...w.kvm.memslots.keys()]).toEqual([0]);
  });

  test('an IPA beyond the IPA space is the kernel outcome: an injected abort of the access type (§15.3 rows 2/3)', () => {
    expect(w.kvm.access(0, 2 ** 40, 'read')).toEqual({ kind: 'injectDabt' });
    expect(w.kvm.access(0, 2 ** 60, 'exec')).toEqual({ kind: 'injectPabt' });
  });

  test('an unknown memslot flag is the kernel errno EINVAL (§12.2)', () => {
    expect(w.kvm.setMemslot({ slot: 1, gpa: 0, size: 0x1000, hva: HVA, flags: ['GUEST_MEMFD'] })).toEqual({ kind: 'errno', errno: 'EINVAL' });
  });
});
