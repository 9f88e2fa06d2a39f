/**
 * docs/results.md is written by two benchmarks (replicate and speed), each owning one section
 * between HTML comment markers, so either can be rerun without losing the other's figures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../core/runs/atomicWrite';

const begin = (name: string) => `<!-- begin ${name} (written by npm run bench; edits inside are overwritten) -->`;
const end = (name: string) => `<!-- end ${name} -->`;

/** The file's text with section `name` set to `body` (appended when the file has none yet). */
export function withSection(text: string, name: string, body: string): string {
  const block = `${begin(name)}\n${body.trimEnd()}\n${end(name)}`;
  const start = text.indexOf(begin(name));
  const stop = text.indexOf(end(name));
  if (start >= 0 && stop > start) return text.slice(0, start) + block + text.slice(stop + end(name).length);
  return (text.trimEnd() ? text.trimEnd() + '\n\n' : '') + block + '\n';
}

/** Sets section `name` of the Markdown file at `file` (created with its folder if missing), atomically. */
export function writeSection(file: string, name: string, body: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# OOD Lens: results on this machine\n';
  writeFileAtomic(file, withSection(text, name, body));
}
