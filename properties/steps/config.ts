/**
 * Generated configs: every trace draws the config keys its caller did not pin (granule, iaBits, fwb,
 * dic, nisvToUser, cmoPolicy, protectedVm, hwAccessFlag, tlbiRange, eagerSplit, thp), each shrinking toward
 * DEFAULT_CONFIG.
 */
import * as fc from 'fast-check';
import { DEFAULT_CONFIG, type CmoPolicy, type Config, type Granule, type HostThp } from '../../model/types';

/** The config keys a trace may draw (bugs are never drawn: they are what a run is about). */
export const DRAWN_KEYS = ['granule', 'iaBits', 'fwb', 'dic', 'nisvToUser', 'cmoPolicy', 'protectedVm', 'hwAccessFlag', 'tlbiRange', 'eagerSplit', 'thp'] as const;
export type DrawnKey = (typeof DRAWN_KEYS)[number];

/** Granules, the default first (constantFrom shrinks toward its first value). */
const GRANULES: readonly Granule[] = [4096, 16384, 65536];
/** IPA sizes KVM accepts (KVM_VM_TYPE_ARM_IPA_SIZE 32..48; every granule here supports all), the default first. */
const IA_BITS: readonly number[] = [40, 32, 33, 34, 35, 36, 39, 42, 44, 48];
const POLICIES: readonly CmoPolicy[] = ['mainline', 'proposal2021'];

/** A boolean key: false (the default) most of the time, true in one draw of three; shrinks to false. */
const flag = (): fc.Arbitrary<boolean> => fc.nat({ max: 2 }).map((n) => n === 2);

/**
 * Configs whose `draw` keys are drawn and whose other keys are `base`'s. Each drawn key shrinks
 * toward its DEFAULT_CONFIG value (4K, 40 bits, all flags off, mainline CMO policy).
 */
export function configArbitrary(base: Config, draw: readonly DrawnKey[]): fc.Arbitrary<Config> {
  const on = new Set(draw);
  const pick = <T>(k: DrawnKey, arb: fc.Arbitrary<T>, fixed: T): fc.Arbitrary<T> => (on.has(k) ? arb : fc.constant(fixed));
  return fc.record({
    granule: pick('granule', fc.constantFrom(...GRANULES), base.granule),
    iaBits: pick('iaBits', fc.constantFrom(...IA_BITS), base.iaBits),
    fwb: pick('fwb', flag(), base.fwb),
    dic: pick('dic', flag(), base.dic),
    nisvToUser: pick('nisvToUser', flag(), base.nisvToUser),
    cmoPolicy: pick('cmoPolicy', fc.constantFrom(...POLICIES), base.cmoPolicy),
    protectedVm: pick('protectedVm', flag(), base.protectedVm ?? false),
    hwAccessFlag: pick('hwAccessFlag', flag(), base.hwAccessFlag ?? false),
    tlbiRange: pick('tlbiRange', flag(), base.tlbiRange ?? false),
    eagerSplit: pick('eagerSplit', flag(), base.eagerSplit ?? false),
    thp: pick('thp', flag().map((on): HostThp => (on ? 'always' : 'never')), base.thp ?? 'never'),
  }).map((c): Config => withoutDefaultOptionals({ ...base, ...c, bugs: base.bugs }));
}

/** Optional keys at their default are left out, so a default config prints as it always has. */
function withoutDefaultOptionals(c: Config): Config {
  const out: Config = { ...c };
  if (!out.protectedVm) delete out.protectedVm;
  if (!out.hwAccessFlag) delete out.hwAccessFlag;
  if (!out.tlbiRange) delete out.tlbiRange;
  if (!out.eagerSplit) delete out.eagerSplit;
  if (out.thp === 'never') delete out.thp;
  return out;
}

/** The keys `pinned` (a partial config, e.g. a --config file) leaves to be drawn. */
export const keysToDraw = (pinned: Partial<Config>): DrawnKey[] => DRAWN_KEYS.filter((k) => !(k in pinned));

/** The config a trace gets with nothing drawn: DEFAULT_CONFIG overridden by `pinned`. */
export const pinnedConfig = (pinned: Partial<Config>): Config => ({ ...DEFAULT_CONFIG, bugs: [], ...pinned });
