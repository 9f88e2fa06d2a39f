// Temporary folders for a test file, removed when its tests are done.
import { after } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A maker of fresh folders named `<prefix>XXXXXX` in the system's temporary folder; all go after the file's tests. */
export function temporaryFolders(prefix: string): () => string {
  const made: string[] = [];
  after(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
