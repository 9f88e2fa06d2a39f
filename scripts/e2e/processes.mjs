// Owns every process the end-to-end run starts, so each one is stopped at the end, on failure,
// on a timeout and on Ctrl-C. Long-lived processes run in their own process group (detached),
// and stopping kills that group by its id: code-server's extension hosts and watchers go too.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

const STOP_GRACE_MILLISECONDS = 5000;

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class ProcessOwner {
  /** @type {Map<number, { name: string, child: import('node:child_process').ChildProcess }>} */
  #children = new Map();
  /** @type {Array<{ name: string, close: () => Promise<void> }>} */
  #closers = [];

  /** Starts `command` in its own process group, its output appended to `logFile`. */
  spawnLogged(name, command, args, { env, cwd, logFile }) {
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.#children.set(child.pid, { name, child });
    child.once('exit', () => this.#children.delete(child.pid));
    return child;
  }

  /** Something else to close at the end (the browser), before the processes are killed. */
  onStop(name, close) {
    this.#closers.push({ name, close });
  }

  async stopAll(log) {
    for (const { name, close } of this.#closers.splice(0).reverse()) {
      try {
        await Promise.race([close(), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MILLISECONDS))]);
      } catch (error) {
        log(`closing ${name} failed: ${error.message}`);
      }
    }
    const running = [...this.#children.entries()];
    for (const [pid, { name }] of running) {
      log(`stopping ${name} (process group ${pid})`);
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + STOP_GRACE_MILLISECONDS;
    for (const [pid, { name }] of running) {
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (groupAlive(pid)) {
        log(`${name} (process group ${pid}) ignored SIGTERM; SIGKILL`);
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.#children.clear();
  }
}
