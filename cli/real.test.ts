/** `npm run real` bad input: one line naming the field, exit 2, no QEMU needed. */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo, EXIT } from './io';
import { realMain } from './real';

const BBM = join(__dirname, '..', 'properties', 'fixtures', 'BBM.json');

describe('real: bad input', () => {
  test.each([
    [['run', '--cpu', 'pentium', BBM], /^error: --cpu: unknown CPU pentium \(known: max, neoverse-n1, cortex-a57\)$/],
    [['run', '--cpu', 'neoverse-n1', '--kernel', '5.4', BBM], /^error: --kernel: unknown kernel series 5\.4/],
    [['run', '--cpu', 'neoverse-n1', '--kernel', '/nonexistent/Image', BBM], /^error: --kernel: no such kernel Image: \/nonexistent\/Image$/],
    [['run', '--cpu', 'neoverse-n1', '--kernel', BBM, BBM], /^error: --kernel: .*is not an arm64 Image/],
    [['run', '--cpu', 'max', BBM], /^error: FILES: no given trace is executable .*config\.fwb false does not match --cpu max .*use --cpu neoverse-n1 or cortex-a57\)$/],
    [['run', '/nonexistent.json'], /^error: trace: cannot read \/nonexistent\.json: ENOENT$/],
    [['fuzz', '--time', 'soon'], /^error: --time/],
    [['run', '--cpu', 'neoverse-n1', '--watchdog', 'never', BBM], /^error: --watchdog: expected a duration/],
  ])('%j', async (argv, message) => {
    const io = captureIo();
    expect(await realMain(argv, io)).toBe(EXIT.usage);
    expect(io.stderr).toEqual([expect.stringMatching(message)]);
    expect(io.stdout).toEqual([]);
  });
});

test('real: QEMU (or the cross compiler) missing is one line naming what to install, exit 2', async () => {
  const image = Buffer.alloc(4096);
  image.write('ARM\x64', 56, 'latin1');
  const file = join(tmpdir(), `s2-noqemu-${process.pid}.img`);
  writeFileSync(file, image);
  process.env.S2_REAL_QEMU = '/nonexistent/qemu-system-aarch64';
  const io = captureIo();
  try {
    expect(await realMain(['run', '--kernel', file, '--cpu', 'neoverse-n1', BBM], io)).toBe(EXIT.usage);
  } finally {
    delete process.env.S2_REAL_QEMU;
    rmSync(file);
  }
  expect(io.stderr).toEqual([expect.stringMatching(/^error: prerequisites: (\/nonexistent\/qemu-system-aarch64|aarch64-linux-gnu-gcc) not found: run `npm run real -- setup` first$/)]);
  expect(io.stdout).toEqual([]);
});
