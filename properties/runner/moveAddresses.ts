/**
 * Address moves for field shrinking: a finding's addresses slide toward the smallest values that
 * keep their alignment. Each address space (guest IPA, host VA, physical) is cut into windows of
 * the generator's slot spacing (geometry().window: 1 GiB or more, so every block size stays
 * aligned); a candidate moves every address in one used window down into the lowest free window
 * above the used one below it, keeping offsets, so related addresses (a slot's gpa and the
 * accesses into it) move together. Whether the finding survives is the caller's test.
 */
import type { Step } from '../trace/codec';
import { geometry } from '../steps/world';
import { HVA_BASE } from '../steps/layout';

type Space = 'ipa' | 'hva' | 'pa';

/** Which space each address field belongs to (fields not listed are not addresses). */
const FIELD_SPACE: Readonly<Record<string, Space>> = { gpa: 'ipa', ipa: 'ipa', hva: 'hva', pa: 'pa' };

/**
 * The lowest window a space moves into, where the generator's own first choice lies: host VAs at
 * HVA_BASE, IPAs at window 1 (gpaWindow(0); window 0 holds the MMIO and ioremap pages), PAs at 0.
 */
const floorOf = (space: Space, window: number): number => (space === 'hva' ? Math.floor(HVA_BASE / window) : space === 'ipa' ? 1 : 0);

/** The addresses of `steps` in `space`, by field. */
function* addressesOf(steps: readonly Step[], space: Space): Generator<number> {
  for (const s of steps) {
    for (const [k, v] of Object.entries(s)) if (FIELD_SPACE[k] === space && typeof v === 'number') yield v;
  }
}

/** `steps` with every `space` address in window `from` moved to window `to` (same offset). */
function moveWindow(steps: readonly Step[], space: Space, window: number, from: number, to: number): Step[] {
  return steps.map((s) => {
    let out: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(s)) {
      if (FIELD_SPACE[k] !== space || typeof v !== 'number' || Math.floor(v / window) !== from) continue;
      out ??= { ...s };
      out[k] = v - (from - to) * window;
    }
    return (out ?? s) as Step;
  });
}

/** Candidate traces, each with one used window of one space moved down (lowest windows first). */
export function addressMoves(steps: readonly Step[], granule: number): Step[][] {
  const window = geometry(granule).window;
  const out: Step[][] = [];
  for (const space of ['ipa', 'hva', 'pa'] as const) {
    const used = [...new Set([...addressesOf(steps, space)].map((v) => Math.floor(v / window)))].sort((a, b) => a - b);
    let next = floorOf(space, window); // the lowest window the next used one may move into
    for (const w of used) {
      if (w > next) out.push(moveWindow(steps, space, window, w, next));
      next = Math.max(next, w) + 1;
    }
  }
  return out;
}
