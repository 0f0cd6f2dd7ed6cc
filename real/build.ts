/** Build the in-guest runner (static aarch64, cached by content hash) and the initramfs that carries it and a batch of traces. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S2InputError } from '../model/types';
import { cacheDir } from './kernels';
import { cpioArchive } from './initramfs';

const SOURCE = join(__dirname, 'runner', 's2runner.c');
const CC = 'aarch64-linux-gnu-gcc';
const CFLAGS = ['-static', '-O2', '-Wall', '-Wextra', '-Werror'];

/** Path of the static aarch64 binary of C source `text`, compiling it once per content hash. */
export function aarch64Binary(text: string, what: string): string {
  const hash = createHash('sha256').update(text).update(CFLAGS.join(' ')).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'runner');
  const bin = join(dir, `${what}-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.tmp${process.pid}`;
  const src = `${tmp}.c`;
  writeFileSync(src, text);
  const r = spawnSync(CC, [...CFLAGS, '-o', tmp, src], { encoding: 'utf8' });
  rmSync(src, { force: true });
  if (r.error) throw new S2InputError('prerequisites', `${CC} not found: run \`npm run real -- setup\` first`);
  if (r.status !== 0) throw new Error(`building ${what} failed:\n${r.stderr}`);
  renameSync(tmp, bin);
  return bin;
}

/** Path of the runner binary for the current source. */
export const runnerBinary = (): string => aarch64Binary(readFileSync(SOURCE, 'utf8'), 's2runner');

/** The initramfs: /init (the runner) and /traces.txt (the encoded batch). */
export function initramfs(runner: string, traces: string): Buffer {
  return cpioArchive(['dev', 'proc', 'sys'], [
    { name: 'init', mode: 0o755, data: readFileSync(runner) },
    { name: 'traces.txt', mode: 0o644, data: Buffer.from(traces, 'utf8') },
  ]);
}
