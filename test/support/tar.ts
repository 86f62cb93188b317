// Writes small POSIX ustar archives in memory, enough to import a root file system into Docker.

export type TarEntry =
    | { type: "directory"; name: string; mode?: number }
    | { type: "file"; name: string; content: Buffer; mode?: number }
    | { type: "symlink"; name: string; target: string };

const BLOCK_SIZE = 512;
const MAX_NAME_LENGTH = 100;

/**
 * Builds an uncompressed ustar archive. Entries are owned by root (uid and gid 0) and carry
 * `mtime` in seconds since the epoch. Names must be relative and at most 100 bytes.
 */
export function createTarArchive(entries: readonly TarEntry[], mtime = 0): Buffer {
    const blocks: Buffer[] = [];
    for (const entry of entries) {
        const content = entry.type === "file" ? entry.content : Buffer.alloc(0);
        blocks.push(createHeader(entry, content.length, mtime));
        if (content.length > 0) {
            blocks.push(content, Buffer.alloc(paddingFor(content.length)));
        }
    }
    // Two zero blocks mark the end of the archive.
    blocks.push(Buffer.alloc(2 * BLOCK_SIZE));
    return Buffer.concat(blocks);
}

function createHeader(entry: TarEntry, size: number, mtime: number): Buffer {
    const name = entry.type === "directory" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
    if (name.startsWith("/") || Buffer.byteLength(name) > MAX_NAME_LENGTH) {
        throw new Error(
            `invalid tar entry name ${JSON.stringify(name)}: expected a relative path of at most 100 bytes`,
        );
    }
    const header = Buffer.alloc(BLOCK_SIZE);
    let mode: number;
    let typeFlag: string;
    switch (entry.type) {
        case "file":
            mode = entry.mode ?? 0o644;
            typeFlag = "0";
            break;
        case "symlink":
            mode = 0o777;
            typeFlag = "2";
            break;
        case "directory":
            mode = entry.mode ?? 0o755;
            typeFlag = "5";
            break;
    }

    header.write(name, 0, 100, "utf8");
    writeOctal(header, mode, 100, 8);
    writeOctal(header, 0, 108, 8);
    writeOctal(header, 0, 116, 8);
    writeOctal(header, size, 124, 12);
    writeOctal(header, mtime, 136, 12);
    header.write(typeFlag, 156, 1, "ascii");
    if (entry.type === "symlink") {
        if (Buffer.byteLength(entry.target) > MAX_NAME_LENGTH) {
            throw new Error(`invalid symlink target ${JSON.stringify(entry.target)}: at most 100 bytes`);
        }
        header.write(entry.target, 157, 100, "utf8");
    }
    header.write("ustar\0", 257, 6, "ascii");
    header.write("00", 263, 2, "ascii");
    header.write("root", 265, 32, "ascii");
    header.write("root", 297, 32, "ascii");

    // The checksum is the byte sum of the header with the checksum field read as eight spaces.
    header.fill(" ", 148, 156);
    let checksum = 0;
    for (const byte of header) {
        checksum += byte;
    }
    header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
    return header;
}

/** Writes `value` as zero-padded octal digits followed by a NUL, filling `length` bytes. */
function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
    const digits = value.toString(8);
    if (digits.length > length - 1) {
        throw new Error(`value ${value} does not fit in a ${length}-byte tar header field`);
    }
    header.write(`${digits.padStart(length - 1, "0")}\0`, offset, length, "ascii");
}

function paddingFor(size: number): number {
    const remainder = size % BLOCK_SIZE;
    return remainder === 0 ? 0 : BLOCK_SIZE - remainder;
}
