// Runs the built CLI with --events jsonl and hands each event to `onEvent` as it arrives (the
// tests that signal the process at a given event), resolving with the exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

// `any`: each test reads the fields of the events it waits for, and checks them.
export type CliEvent = Record<string, any>;

export function runWithEvents(args: string[], onEvent: (event: CliEvent, child: ChildProcess) => void): Promise<number | null> {
  const child = spawn(process.execPath, [path.resolve('dist/cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (const line of buffered.split('\n').slice(0, -1)) onEvent(JSON.parse(line), child);
    buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}
