/** Tests of the stage-2 permission check for every access kind against every {r, w, x} leaf. */
import { ACCESS_KINDS, type AccessKind, type Perms } from '../types';
import { requiredPerms, stage2Permission } from './permission';

/** Which of the leaf permissions each kind needs: 'r', 'w', 'x' letters. */
const NEEDS: [AccessKind, string][] = [
  ['read', 'r'], ['write', 'w'], ['ld_preidx', 'r'], ['st_preidx', 'w'], ['cas', 'rw'],
  ['dc_zva', 'w'], ['exec', 'x'], ['at', 'r'], ['dc_civac', 'r'], ['dc_ivac', 'w'],
  ['dc_cvac', 'r'], ['s1ptw_read', 'r'], ['s1ptw_write', 'w'],
];

const LEAVES: Perms[] = [false, true].flatMap((r) => [false, true].flatMap((w) =>
  [false, true].map((x) => ({ r, w, x }))));

function grants(leaf: Perms, needs: string): boolean {
  return (!needs.includes('r') || leaf.r) && (!needs.includes('w') || leaf.w) && (!needs.includes('x') || leaf.x);
}

describe('stage2Permission', () => {
  test('the table names every access kind', () => {
    expect(NEEDS.map(([k]) => k).sort()).toEqual([...ACCESS_KINDS].sort());
  });
  test.each(NEEDS)('%s needs %s', (kind, needs) => {
    expect(requiredPerms(kind)).toEqual({ r: needs.includes('r'), w: needs.includes('w'), x: needs.includes('x') });
    for (const leaf of LEAVES) {
      expect(stage2Permission(kind, leaf)).toBe(grants(leaf, needs) ? 'ok' : 'permFault');
    }
  });
  test('KVM-shaped leaves: R-only faults writes, DC IVAC and exec; DC CIVAC/CVAC pass (facts §20c)', () => {
    const ro = { r: true, w: false, x: false };
    expect(stage2Permission('write', ro)).toBe('permFault');
    expect(stage2Permission('dc_ivac', ro)).toBe('permFault');
    expect(stage2Permission('dc_civac', ro)).toBe('ok');
    expect(stage2Permission('dc_cvac', ro)).toBe('ok');
    expect(stage2Permission('exec', ro)).toBe('permFault');
    expect(stage2Permission('exec', { r: true, w: false, x: true })).toBe('ok');
  });
});
