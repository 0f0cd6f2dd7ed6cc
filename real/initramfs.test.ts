/** The newc cpio writer: header fields, 4-byte alignment, trailer, determinism. */
import { cpioArchive } from './initramfs';

describe('cpioArchive', () => {
  test('writes newc entries the kernel unpacks: magic, sizes, names, padding, trailer', () => {
    const a = cpioArchive(['dev'], [{ name: 'init', mode: 0o755, data: Buffer.from('abcde') }]);
    const text = a.toString('latin1');
    const entries = text.split('070701').slice(1);
    expect(entries).toHaveLength(3);
    const field = (e: string, i: number) => parseInt(e.slice(i * 8, i * 8 + 8), 16);
    // dev: a directory; init: a 0755 regular file of 5 bytes; then TRAILER!!!
    expect(field(entries[0], 1)).toBe(0o040755);
    expect(field(entries[1], 1)).toBe(0o100755);
    expect(field(entries[1], 6)).toBe(5);
    expect(field(entries[1], 11)).toBe('init\0'.length);
    expect(text).toContain('init\0');
    expect(text).toContain('abcde\0\0\0'); // data padded to 4 bytes
    expect(entries[2]).toContain('TRAILER!!!');
    expect(a.length % 4).toBe(0);
    expect(cpioArchive(['dev'], [{ name: 'init', mode: 0o755, data: Buffer.from('abcde') }]).equals(a)).toBe(true);
  });
});
