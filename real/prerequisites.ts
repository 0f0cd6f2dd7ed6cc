/** What a real-kernel run needs on this machine, and what is missing (for the test suite's skip line and CI's failure). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, KERNEL_SERIES } from './kernels';

const onPath = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error === undefined;

/** Names of the missing prerequisites (empty when a real run can start). */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!onPath('qemu-system-aarch64')) missing.push('qemu-system-aarch64');
  if (!onPath('aarch64-linux-gnu-gcc')) missing.push('aarch64-linux-gnu-gcc');
  for (const s of KERNEL_SERIES) {
    const boot = join(cacheDir(), 'kernels', s, 'boot');
    if (!existsSync(boot) || !readdirSync(boot).some((f) => f.startsWith('vmlinuz-'))) missing.push(`kernel ${s}`);
  }
  return missing;
}
