/** Boot an arm64 kernel under qemu-system-aarch64 (TCG, EL2 so KVM initialises) and collect the runner's JSON lines. */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { S2InputError } from '../model/types';

/**
 * QEMU CPU models and what they give the guest kernel (../shared/realkvm-spike/REPORT.md:
 * ID_AA64MMFR2_EL1.FWB) and the runner's guest (ID_AA64MMFR1_EL1.HAFDBS: hardware Access flag
 * updates, which `s1ptw_write` needs; Armv8.1, so not on the A57).
 */
export const CPUS: Readonly<Record<string, { readonly fwb: boolean; readonly hafdbs: boolean; readonly qemu: string }>> = {
  max: { fwb: true, hafdbs: true, qemu: 'max,pauth-impdef=on' },
  'neoverse-n1': { fwb: false, hafdbs: true, qemu: 'neoverse-n1' },
  'cortex-a57': { fwb: false, hafdbs: false, qemu: 'cortex-a57' },
};

export interface BootOptions {
  readonly image: string;
  readonly initrd: Buffer;
  readonly cpu: string;
  /** Kill a boot that prints nothing for this long (ms). */
  readonly silenceMs?: number;
  /** Keep every console line, not only the JSON ones. */
  readonly allLines?: boolean;
}

/** What a boot printed: every console line that is a JSON object (or every line), and how it ended. */
export interface BootResult {
  readonly lines: readonly string[];
  readonly exitCode: number | null;
  readonly watchdog: boolean;
  readonly seconds: number;
}

/** Size of the PCI BAR that backs pfnmap steps (a BAR is aligned to its size, so offsets keep their alignment). */
export const BAR_SIZE = 64 * 1024 * 1024;

/** Kernel command line: console on the PL011, power off on panic, 128 2 MiB huge pages (hugetlb mmaps use MAP_NORESERVE: only touched pages need one). */
const APPEND = 'console=ttyAMA0 panic=-1 quiet loglevel=1 rdinit=/init hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=128';

/** How often the console file is read (ms): the runner's lines are wanted only when QEMU exits, and the watchdog needs no finer grain. */
const POLL_MS = 250;

/**
 * Boot once; resolves when QEMU exits (the runner powers off) or the watchdog kills it.
 * The PL011 console goes to a file that is read every POLL_MS, not to a pipe: QEMU writes the
 * UART one byte per write(2), and a pipe woke this process for nearly every byte (a fifth of a
 * core per running QEMU, taken from the other QEMU when two run side by side).
 */
export function boot(opts: BootOptions): Promise<BootResult> {
  const cpu = CPUS[opts.cpu];
  if (!cpu) throw new S2InputError('--cpu', `unknown CPU ${opts.cpu} (known: ${Object.keys(CPUS).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 's2real-'));
  const initrd = join(dir, 'initrd.cpio');
  const consoleFile = join(dir, 'console.txt');
  writeFileSync(initrd, opts.initrd);
  writeFileSync(consoleFile, '');
  const args = ['-M', 'virt,virtualization=on,gic-version=3', '-cpu', cpu.qemu, '-smp', '1', '-m', '2560',
    '-display', 'none', '-monitor', 'none', '-serial', `file:${consoleFile}`,
    '-no-reboot', '-nic', 'none', '-kernel', opts.image, '-initrd', initrd, '-append', APPEND,
    // A 64 MiB PCI memory BAR for pfnmap steps (ivshmem-plain BAR 2; sysfs resource2 / resource2_wc).
    '-object', `memory-backend-ram,id=s2bar,size=${BAR_SIZE}`, '-device', 'ivshmem-plain,memdev=s2bar'];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const qemu = process.env.S2_REAL_QEMU ?? 'qemu-system-aarch64'; // another QEMU build, e.g. a newer one
    const child = spawn(qemu, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines: string[] = [];
    const fd = openSync(consoleFile, 'r');
    const buf = Buffer.alloc(1 << 16);
    const utf8 = new StringDecoder('utf8'); // a character split between two reads stays whole
    let partial = '';
    let watchdog = false;
    let done = false;
    const silence = opts.silenceMs ?? 60_000;
    let heard = Date.now();
    /** Read what the console file gained since the last read; true if it grew. */
    function drain(): boolean {
      let grew = false;
      for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
        grew = true;
        partial += utf8.write(buf.subarray(0, n));
      }
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        const l = p.replace(/\r$/, '');
        if (opts.allLines || l.startsWith('{')) lines.push(l);
      }
      return grew;
    }
    const poll = setInterval(() => {
      if (drain()) heard = Date.now();
      else if (Date.now() - heard > silence) { watchdog = true; child.kill('SIGKILL'); }
    }, POLL_MS);
    function finish(): void {
      done = true;
      clearInterval(poll);
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
    child.stderr.resume();
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (!done) finish();
      if (e.code === 'ENOENT') reject(new S2InputError('prerequisites', `${qemu} not found: run \`npm run real -- setup\` first`));
      else reject(e);
    });
    child.on('close', (code) => {
      if (done) return;
      drain(); // a last line without its newline (QEMU killed mid-line) is dropped, never half-parsed
      finish();
      resolve({ lines, exitCode: code, watchdog, seconds: (Date.now() - started) / 1000 });
    });
  });
}
