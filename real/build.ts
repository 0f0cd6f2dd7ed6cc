/** Build the in-guest runner (static aarch64, cached by content hash) and the initramfs that carries it and a batch of traces. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { S2InputError } from '../model/types';
import { cacheDir } from './kernels';
import { cpioArchive } from './initramfs';

const SOURCE = join(__dirname, 'runner', 's2runner.c');
const CC = 'aarch64-linux-gnu-gcc';
const CFLAGS = ['-static', '-O2', '-Wall', '-Wextra', '-Werror'];

/** Path of the runner binary for the current source, compiling it once per content hash. */
export function runnerBinary(): string {
  const src = readFileSync(SOURCE);
  const hash = createHash('sha256').update(src).update(CFLAGS.join(' ')).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'runner');
  const bin = join(dir, `s2runner-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.tmp${process.pid}`;
  const r = spawnSync(CC, [...CFLAGS, '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (r.error) throw new S2InputError('prerequisites', `${CC} not found: run \`npm run real -- setup\` first`);
  if (r.status !== 0) throw new Error(`building the runner failed:\n${r.stderr}`);
  renameSync(tmp, bin);
  return bin;
}

/** The initramfs: /init (the runner) and /traces.txt (the encoded batch). */
export function initramfs(runner: string, traces: string): Buffer {
  return cpioArchive(['dev', 'proc', 'sys'], [
    { name: 'init', mode: 0o755, data: readFileSync(runner) },
    { name: 'traces.txt', mode: 0o644, data: Buffer.from(traces, 'utf8') },
  ]);
}
