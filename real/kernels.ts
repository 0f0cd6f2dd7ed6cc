/** Which arm64 kernel Image a real run boots: a Debian series fetched by `real setup`, or a user's own Image. */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { S2InputError } from '../model/types';

/** The Debian series `real setup` knows. */
export const KERNEL_SERIES = ['6.1', '6.12'] as const;
export type KernelSeries = (typeof KERNEL_SERIES)[number];

/** A bootable kernel: its Image and what to call it in reports. */
export interface Kernel {
  readonly image: string;
  /** The Debian package (series) or the path (own Image); the booted kernel's `uname -r` is reported separately. */
  readonly label: string;
}

/** Where `real setup` keeps kernels and built runners (S2_REAL_CACHE overrides). */
export const cacheDir = (): string => process.env.S2_REAL_CACHE ?? join(__dirname, '.cache');

/** Resolve `--kernel`: a series name (after `real setup`) or a path to an arm64 Image. */
export function resolveKernel(spec: string): Kernel {
  if ((KERNEL_SERIES as readonly string[]).includes(spec)) {
    const dir = join(cacheDir(), 'kernels', spec);
    const boot = join(dir, 'boot');
    const img = existsSync(boot) ? readdirSync(boot).find((f) => f.startsWith('vmlinuz-')) : undefined;
    if (!img) throw new S2InputError('--kernel', `kernel ${spec} is not installed: run \`npm run real -- setup\` first`);
    const pkg = existsSync(join(dir, 'PACKAGE')) ? readFileSync(join(dir, 'PACKAGE'), 'utf8').trim() : spec;
    return { image: join(boot, img), label: pkg };
  }
  if (/^[0-9]+\.[0-9]+$/.test(spec)) throw new S2InputError('--kernel', `unknown kernel series ${spec} (known: ${KERNEL_SERIES.join(', ')}, or a path to an arm64 Image)`);
  const path = resolve(spec);
  if (!existsSync(path) || !statSync(path).isFile()) throw new S2InputError('--kernel', `no such kernel Image: ${spec}`);
  const magic = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try { readSync(fd, magic, 0, 4, 56); } finally { closeSync(fd); }
  // arm64 Image header: "ARM\x64" at offset 56 (Documentation/arch/arm64/booting.rst).
  if (magic.toString('latin1') !== 'ARM\x64') throw new S2InputError('--kernel', `${spec} is not an arm64 Image (no ARM\\x64 magic at offset 56)`);
  return { image: path, label: path };
}
