/** Tests of the ESR classification of every access kind (facts §15.1–15.2, §19.2–19.3, DESIGN §3). */
import { ACCESS_KINDS, type AccessKind } from '../types';
import { hasCmBit, isExecFault, isWriteFault, syndromeOf } from './esr';

type Row = [AccessKind, boolean, { isIabt: boolean; s1ptw: boolean; wnr: boolean; cm: boolean; isv: boolean; len: number }, boolean, boolean];
const f = false;
const t = true;
const syn = (isIabt: boolean, s1ptw: boolean, wnr: boolean, cm: boolean, isv: boolean, len: number) =>
  ({ isIabt, s1ptw, wnr, cm, isv, len });

/** [kind, isPermFault, syndrome {isIabt, s1ptw, wnr, cm, isv, len}, writeFault, execFault] */
const rows: Row[] = [
  ['read', f, syn(f, f, f, f, t, 8), f, f],
  ['read', t, syn(f, f, f, f, t, 8), f, f],
  ['write', f, syn(f, f, t, f, t, 8), t, f],
  ['write', t, syn(f, f, t, f, t, 8), t, f],
  ['ld_preidx', f, syn(f, f, f, f, f, 0), f, f],
  ['ld_preidx', t, syn(f, f, f, f, f, 0), f, f],
  ['st_preidx', f, syn(f, f, t, f, f, 0), t, f],
  ['st_preidx', t, syn(f, f, t, f, f, 0), t, f],
  ['cas', f, syn(f, f, f, f, f, 0), f, f], // translation fault: a read would fault → WnR=0 (§19.3 #63)
  ['cas', t, syn(f, f, t, f, f, 0), t, f], // permission fault on a readable leaf → WnR=1
  ['dc_zva', f, syn(f, f, t, f, f, 0), t, f],
  ['dc_zva', t, syn(f, f, t, f, f, 0), t, f],
  ['exec', f, syn(t, f, f, f, f, 0), f, t],
  ['exec', t, syn(t, f, f, f, f, 0), f, t],
  ['at', f, syn(f, t, t, t, f, 0), f, f], // S1PTW translation fault is a read (§15.2, v6.2+)
  ['at', t, syn(f, t, t, t, f, 0), t, f],
  ['dc_civac', f, syn(f, f, t, t, f, 0), t, f],
  ['dc_civac', t, syn(f, f, t, t, f, 0), t, f],
  ['dc_ivac', f, syn(f, f, t, t, f, 0), t, f],
  ['dc_ivac', t, syn(f, f, t, t, f, 0), t, f],
  ['dc_cvac', f, syn(f, f, t, t, f, 0), t, f],
  ['dc_cvac', t, syn(f, f, t, t, f, 0), t, f],
  ['s1ptw_read', f, syn(f, t, f, f, f, 0), f, f],
  ['s1ptw_read', t, syn(f, t, f, f, f, 0), t, f], // S1PTW permission fault is a write (§21 item 24)
  ['s1ptw_write', f, syn(f, t, t, f, f, 0), f, f], // even a walker write: translation fault = read
  ['s1ptw_write', t, syn(f, t, t, f, f, 0), t, f],
];

describe('ESR classification', () => {
  test('the table covers every access kind with and without a permission fault', () => {
    const covered = new Set(rows.map(([k, p]) => `${k}/${p}`));
    expect(covered.size).toBe(ACCESS_KINDS.length * 2);
  });
  test.each(rows)('%s (perm %s): syndrome %o, write %s, exec %s', (kind, perm, want, write, exec) => {
    expect(syndromeOf(kind, perm)).toEqual(want);
    expect(isWriteFault(kind, perm)).toBe(write);
    expect(isExecFault(kind)).toBe(exec);
    expect(hasCmBit(kind)).toBe(want.cm);
  });
  test('write and exec faults are mutually exclusive (facts §15.2)', () => {
    for (const kind of ACCESS_KINDS) for (const perm of [false, true]) {
      expect(isWriteFault(kind, perm) && isExecFault(kind)).toBe(false);
    }
  });
  test('only read and write carry an instruction syndrome (ISV=1, 8 bytes)', () => {
    const withSyndrome = ACCESS_KINDS.filter((k) => syndromeOf(k, false).isv);
    expect(withSyndrome).toEqual(['read', 'write']);
  });
  test('a returned syndrome is a copy: mutating it does not change later answers', () => {
    syndromeOf('read', false).isv = false;
    expect(syndromeOf('read', false).isv).toBe(true);
  });
});
