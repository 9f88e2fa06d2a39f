import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file so that a killed process leaves either the old file or the new one, never half:
 * the bytes go to `name.tmp-<pid>` (flushed to disk), which is then renamed over `name`.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Fills a folder under a temporary name, then renames it into place, so a reader sees the whole
 * folder or none of it. An existing folder of that name is replaced.
 */
export function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) writeFileAtomic(path.join(tmp, name), data);
  if (fs.existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, dir);
  }
}

/** Appends one whole line in a single write; readers skip a torn last line (see history.ts). */
export function appendLine(file: string, line: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, Buffer.from(line.replace(/\n/g, ' ') + '\n', 'utf8'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

