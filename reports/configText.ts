/** The whole config of a run in one line, as every report header (summary.md, summary.html, the console banner) shows it. */
import type { TraceConfig } from '../properties/trace';

/** Config keys in the order reports print them. */
const KEYS = ['granule', 'iaBits', 'fwb', 'dic', 'nisvToUser', 'cmoPolicy', 'protectedVm', 'hwAccessFlag', 'tlbiRange', 'eagerSplit', 'kernel', 'thp'] as const;
const DEFAULTS: Record<string, string> = { protectedVm: 'false', hwAccessFlag: 'false', tlbiRange: 'false', eagerSplit: 'false', kernel: 'mainline', thp: 'never' };

/** `granule 4096, iaBits drawn, ..., kernel mainline, bugs [a]`: each key's value, or `drawn` where each trace draws it. */
export function configText(config: TraceConfig, drawn: readonly string[]): string {
  const parts = KEYS.map((k) => `${k} ${drawn.includes(k) ? 'drawn' : String(config[k] ?? DEFAULTS[k])}`);
  return `${parts.join(', ')}, bugs [${config.bugs.join(', ')}]`;
}

/** `text` as one shell word (POSIX single quotes). */
export const shellQuote = (text: string): string => (/^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
