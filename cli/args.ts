/** Flag parsers shared by the commands: each bad value is a UsageError naming the flag (exit 2). */
import * as fs from 'fs';
import * as path from 'path';
import { parseBugs } from '../impl/bugs';
import { DEFAULT_CONFIG } from '../model/types';
import { configSchema, issueText, parseJsonText, parseTraceText, TraceError, type Trace, type TraceConfig } from '../properties/trace';
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

/** The most a trace or config file may hold; a bigger input (or an endless one, /dev/zero) is refused. */
export const MAX_INPUT_BYTES = 16 << 20;

/**
 * Read `file` (`-`: standard input) as UTF-8 text, at most MAX_INPUT_BYTES: a longer or endless
 * input, a UTF-16 file or an unreadable one is a UsageError naming `flag`.
 */
export function readInputText(file: string, flag: string): string {
  const name = file === '-' ? 'standard input' : file;
  const fail = (why: string): never => { throw new UsageError(flag, why); };
  let fd: number;
  try {
    fd = file === '-' ? 0 : fs.openSync(file, 'r');
  } catch (e) {
    return fail(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) fail(`${name} is a directory`);
    if (st.isFile() && st.size > MAX_INPUT_BYTES) fail(`${name} has ${st.size} bytes, more than the ${MAX_INPUT_BYTES >> 20} MiB an input may have`);
    for (;;) {
      const buf = Buffer.alloc(1 << 16);
      let n: number;
      try { n = fs.readSync(fd, buf, 0, buf.length, null); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        return fail(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES) fail(`${name} has more than the ${MAX_INPUT_BYTES >> 20} MiB an input may have (an endless input?)`);
      chunks.push(buf.subarray(0, n));
    }
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
  const bytes = Buffer.concat(chunks);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes.length > 1 && (bytes[0] === 0 || bytes[1] === 0))) {
    fail(`${name} is UTF-16 encoded: s2check reads UTF-8 JSON (convert it, e.g. iconv -f UTF-16 -t UTF-8)`);
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) fail(`${name} starts with a UTF-8 byte-order mark: save it as UTF-8 without a BOM`);
  return bytes.toString('utf8');
}

/** Read a JSON file; a missing file, bad JSON, a duplicate key is a UsageError naming `flag`. */
export function readJsonFile(file: string, flag: string): unknown {
  const text = readInputText(file, flag);
  try {
    return parseJsonText(text);
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(flag, `${file}: ${e.field === 'json' ? '' : `${e.field}: `}${e.message.slice(e.field.length + 2)}`);
    throw e;
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
  const input = { ...base, ...obj };
  const r = configSchema.safeParse(input);
  if (!r.success) throw new UsageError('--config', `${file}: config.${issueText(r.error.issues[0], input)}`);
  return { config: r.data, keys: Object.keys(obj) };
}

/**
 * mkdir -p one component at a time: Node's recursive mkdir never returns for some paths the
 * kernel refuses oddly (`/proc/x` loops on ENOENT), a plain mkdir fails at once.
 */
function mkdirs(abs: string): void {
  const missing: string[] = [];
  let p = abs;
  while (!fs.existsSync(p)) {
    missing.push(p);
    const up = path.dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}

/** `--out DIR`: create it and prove it is writable now, not at the end of a 20-minute run. */
export function ensureWritableDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    mkdirs(abs);
    fs.accessSync(abs, fs.constants.W_OK);
    const probe = path.join(abs, `.probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (e) {
    throw new UsageError('--out', `cannot write to ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return abs;
}

/** Read and parse a trace file (`-`: standard input): an unreadable file or a schema error is one line naming the file and field (exit 2). */
export function readTraceFile(file: string): Trace {
  const text = readInputText(file, 'trace');
  try {
    return parseTraceText(text);
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(`${file}: ${e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
}

/** Is process `pid` alive (signal 0)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take `DIR/.lock` for this run: a second run into the same `--out` would delete the first one's
 * findings, so it is refused (exit 2) while the pid in the lock is alive; a stale lock is taken over.
 */
export function lockDir(dir: string): { release: () => void } {
  const file = path.join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => { try { if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file); } catch { /* already gone */ } } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError('--out', `cannot lock ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) throw new UsageError('--out', `${dir} is in use by another run (pid ${pid}); give another --out`);
      fs.rmSync(file, { force: true }); // stale: its run is gone
    }
  }
  throw new UsageError('--out', `cannot lock ${dir}`);
}

/**
 * `--a` / `--b` of the policy diff: a partial config given inline (`{"cmoPolicy":"proposal2021"}`)
 * or as a file; an unknown key or a bad value is one line naming it.
 */
export function loadConfigOverride(text: string, flag: string): Partial<TraceConfig> {
  let json: unknown;
  if (text.trimStart().startsWith('{')) {
    try {
      json = parseJsonText(text);
    } catch (e) {
      if (e instanceof TraceError) throw new UsageError(flag, `not valid JSON: ${e.message.slice(e.field.length + 2)}`);
      throw e;
    }
  } else json = readJsonFile(text, flag);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UsageError(flag, 'expected a JSON object of config keys, e.g. {"cmoPolicy":"proposal2021"}');
  const r = configSchema.partial().strict().safeParse(json);
  if (!r.success) throw new UsageError(flag, `config.${issueText(r.error.issues[0], json)}`);
  return r.data;
}
