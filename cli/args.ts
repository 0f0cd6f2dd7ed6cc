/** Flag parsers shared by the commands: each bad value is a UsageError naming the flag (exit 2). */
import * as fs from 'fs';
import * as path from 'path';
import { parseBugs } from '../impl/bugs';
import { DEFAULT_CONFIG } from '../model/types';
import { configSchema, parseTraceText, TraceError, type Trace, type TraceConfig } from '../properties/trace';
import { S2InputError } from '../model/types';

/** Bad usage or bad input: one line `field: message`, exit code 2. */
export class UsageError extends S2InputError {
  constructor(field: string, message: string) {
    super(field, message);
    this.name = 'UsageError';
  }
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** `30s`, `10m`, `1h`, `500ms` or a bare number of seconds → seconds. */
export function parseDuration(text: string, flag = '--time'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0) throw new UsageError(flag, `expected a duration like 30s, 10m or 1h, got ${JSON.stringify(text)}`);
  return Number(m[1]) * UNITS[m[2] ?? 's'];
}

/** A positive integer flag (`--runs`, `--workers`). */
export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(flag, `expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** `--seed`: any safe integer (negative allowed, as fast-check seeds are int32-ish). */
export function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) throw new UsageError('--seed', `expected an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A shard `i/n` with 0 ≤ i < n. */
export interface Shard {
  index: number;
  count: number;
}

/** `--shard i/n` (0-based index). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError('--shard', `expected i/n (e.g. 0/4), got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError('--shard', `index must be in 0..n-1 and n ≥ 1, got ${index}/${count}`);
  return { index, count };
}

/** `--bugs a,b` → validated names (unknown name → error naming it). */
export function parseBugList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  try {
    parseBugs(names);
  } catch (e) {
    if (e instanceof S2InputError) throw new UsageError('--bugs', e.message.replace(/^bugs\[\d+\]: /, ''));
    throw e;
  }
  return names;
}

/** Read a JSON file; a missing file or bad JSON is a UsageError naming `flag`. */
export function readJsonFile(file: string, flag: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(flag, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(flag, `${file} is not JSON: ${(e as Error).message}`);
  }
}

/**
 * `--config file.json`: a partial config (or a whole trace's `config`) merged over `base`,
 * validated by the trace schema so a bad field is named.
 */
export function loadConfig(file: string, base: TraceConfig = { ...DEFAULT_CONFIG, bugs: [] }): TraceConfig {
  return loadConfigKeys(file, base).config;
}

/** loadConfig, plus the config keys the file names (what it pins when the rest are drawn). */
export function loadConfigKeys(file: string, base: TraceConfig = { ...DEFAULT_CONFIG, bugs: [] }): { config: TraceConfig; keys: string[] } {
  const json = readJsonFile(file, '--config');
  const obj = json !== null && typeof json === 'object' && 'config' in json ? (json as { config: unknown }).config : json;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new UsageError('--config', `${file}: expected a JSON object`);
  const r = configSchema.safeParse({ ...base, ...obj });
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UsageError('--config', `${file}: config.${i.path.join('.') || '?'}: ${i.message}`);
  }
  return { config: r.data, keys: Object.keys(obj) };
}

/** `--out DIR`: create it and prove it is writable now, not at the end of a 20-minute run. */
export function ensureWritableDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    fs.mkdirSync(abs, { recursive: true });
    fs.accessSync(abs, fs.constants.W_OK);
    const probe = path.join(abs, `.probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (e) {
    throw new UsageError('--out', `cannot write to ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return abs;
}

/** Read and parse a trace file: an unreadable file or a schema error is one line naming the file and field (exit 2). */
export function readTraceFile(file: string): Trace {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('trace', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parseTraceText(text);
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(`${file}: ${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
}
