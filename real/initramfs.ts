/** A newc (SVR4, no CRC) cpio archive in memory: the initramfs format the kernel unpacks (Documentation/driver-api/early-userspace/buffer-format.rst). */

/** One file of the archive: its path inside the initramfs, mode bits and contents. */
export interface CpioFile {
  readonly name: string;
  readonly mode: number;
  readonly data: Buffer;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function entry(ino: number, name: string, mode: number, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  const headPad = Buffer.alloc(pad4(header.length + nameBytes.length));
  return Buffer.concat([header, nameBytes, headPad, data, Buffer.alloc(pad4(data.length))]);
}

/** The archive: the directories `dirs` (mode 0755), then the files, then the trailer. Same input, same bytes. */
export function cpioArchive(dirs: readonly string[], files: readonly CpioFile[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const d of dirs) parts.push(entry(ino++, d, S_IFDIR | 0o755, Buffer.alloc(0)));
  for (const f of files) parts.push(entry(ino++, f.name, S_IFREG | f.mode, f.data));
  parts.push(entry(0, 'TRAILER!!!', 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
