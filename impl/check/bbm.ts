/**
 * Break-before-make over a recorded effects log (kvm-s2-facts §6, §21 item 9): a valid entry is
 * never replaced in place by a different valid entry (only permission, AF and W-removal changes
 * may be written in place), and a valid entry is never made over a span whose earlier valid
 * translation was broken but not yet covered by a TLBI.
 */
import { describeEntry, differsOnlyInPerms, isTable, isValid, toHex, withAf } from '../descriptor/codec';
import { TLBI_LEVEL_UNKNOWN, type EffectEvent } from '../effects';
import type { Geometry } from '../geometry';
import { hex, type Problem } from './problem';

/** A broken valid entry whose TLB entries may still be live. */
interface Pending {
  ipa: number;
  size: number;
  level: number;
  event: number;
}

/** An in-place change KVM may make without BBM: permissions (relax / wrprotect) and AF. */
export function isInPlaceChange(oldLo: number, oldHi: number, newLo: number, newHi: number): boolean {
  return differsOnlyInPerms(withAf(oldLo, false), oldHi, withAf(newLo, false), newHi);
}

const overlaps = (a: number, as: number, b: number, bs: number): boolean => a < b + bs && b < a + as;

/** Whether a TLBI event invalidates what `p` mapped (a by-IPA TLBI needs the right or unknown level hint). */
function covers(ev: EffectEvent, p: Pending): boolean {
  if (ev.op === 'tlbiVmid') return true;
  if (ev.op === 'tlbiRange') return overlaps(ev.ipa, ev.size, p.ipa, p.size);
  if (ev.op !== 'tlbiIpa') return false;
  const levelOk = ev.level === p.level || ev.level === TLBI_LEVEL_UNKNOWN;
  return levelOk && ev.ipa >= p.ipa && ev.ipa < p.ipa + p.size;
}

/** BBM problems of one recorded log; `lastLevel` is the table's last level (3), `fwb` how to read memory types in messages. */
export function checkBbm(events: readonly EffectEvent[], geom: Geometry, lastLevel = 3, fwb = false): Problem[] {
  const ctx = { pageShift: geom.pageShift, lastLevel, fwb };
  const out: Problem[] = [];
  let pending: Pending[] = [];
  events.forEach((ev, i) => {
    if (ev.op !== 'pteStore') {
      pending = pending.filter((p) => !covers(ev, p));
      return;
    }
    const size = geom.granules[ev.level];
    const at = (): string => `event ${i} ${hex(ev.ipa)} L${ev.level}`; // message text only when there is a problem
    const oldValid = isValid(ev.oldLo);
    const newValid = isValid(ev.newLo);
    const bothLeaves = !isTable(ev.oldLo, ev.level, lastLevel) && !isTable(ev.newLo, ev.level, lastLevel);
    if (oldValid && newValid && !(bothLeaves && isInPlaceChange(ev.oldLo, ev.oldHi, ev.newLo, ev.newHi))) {
      out.push({ check: 'bbm', code: 'bbmValidToValid', event: i, ipa: ev.ipa, level: ev.level,
        message: `${at()}: ${describeEntry(ev.oldLo, ev.oldHi, ev.level, ctx)} replaced in place by ${describeEntry(ev.newLo, ev.newHi, ev.level, ctx)}, no invalid + TLBI between (raw ${toHex(ev.oldLo, ev.oldHi)} → ${toHex(ev.newLo, ev.newHi)})` });
    }
    if (oldValid && !newValid) pending.push({ ipa: ev.ipa, size, level: ev.level, event: i });
    if (!oldValid && newValid) {
      const stale = pending.find((p) => overlaps(p.ipa, p.size, ev.ipa, size));
      if (stale) {
        out.push({ check: 'bbm', code: 'bbmNoTlbi', event: i, ipa: ev.ipa, level: ev.level,
          message: `${at()}: made valid while the break at event ${stale.event} (${hex(stale.ipa)} L${stale.level}) has no TLBI yet` });
      }
    }
  });
  return out;
}
