import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * A minimal zip writer (PKWARE APPNOTE 6.3: local headers, deflate or stored data, a central
 * directory), enough to hand an export folder to a browser as one download. No zip64: an archive is
 * refused past 65,535 entries or 4 GiB, which no export comes near.
 */

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

export function crc32(data: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

export interface ZipEntry {
  /** The path inside the archive, with '/' between folders. */
  name: string;
  /** Read when the entry is written, so a large folder is never all in memory at once. */
  read: () => Buffer;
  modified: Date;
}

const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;
/** Bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;

function dosTime(date: Date): { time: number; day: number } {
  const year = Math.max(1980, date.getFullYear());
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    day: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/** The archive's bytes as a sequence of chunks: each entry's header and data, then the central directory. */
export function* zipChunks(entries: readonly ZipEntry[]): Generator<Buffer> {
  if (entries.length > MAX_ENTRIES) throw new Error(`zip: ${entries.length} files, more than the ${MAX_ENTRIES} a zip without zip64 holds`);
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = entry.read();
    const deflated = zlib.deflateRawSync(data);
    // Already-compressed bytes (int8 weights rarely are) are stored as they are.
    const method = deflated.length < data.length ? 8 : 0;
    const body = method === 8 ? deflated : data;
    const { time, day } = dosTime(entry.modified);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    local.copy(header, 6, 4, 30);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    yield Buffer.concat([local, name]);
    yield body;
    offset += 30 + name.length + body.length;
    if (offset > MAX_OFFSET) throw new Error(`zip: more than 4 GiB at ${entry.name}, past what a zip without zip64 holds`);
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  yield directory;
  yield end;
}

/** The files of a folder (recursively, in name order) or one file, named under `prefix` in the archive. */
export function zipEntriesOf(target: string, prefix: string): ZipEntry[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [{ name: `${prefix}/${path.basename(target)}`, read: () => fs.readFileSync(target), modified: stat.mtime }];
  return fs
    .readdirSync(target, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((item) => {
      const full = path.join(target, item.name);
      if (item.isDirectory()) return zipEntriesOf(full, `${prefix}/${item.name}`);
      return item.isFile() ? zipEntriesOf(full, prefix) : [];
    });
}
