// Starts code-server (VS Code 1.100 server + web workbench) for the end-to-end run: bound to
// 127.0.0.1 on a free port, no auth, HOME/TMPDIR/user data/extensions all inside the run folder.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The environment code-server runs with: no $PORT (it overrides --bind-addr), our HOME/TMPDIR. */
export function codeServerEnv(runFolders) {
  const env = { ...process.env, HOME: runFolders.home, TMPDIR: runFolders.tmp, XDG_CONFIG_HOME: join(runFolders.home, '.config'), XDG_DATA_HOME: join(runFolders.home, '.local', 'share') };
  delete env.PORT;
  for (const name of Object.keys(env)) {
    // Variables of an outer VS Code would make code-server talk to it instead.
    if (name.startsWith('VSCODE_') || name === 'ELECTRON_RUN_AS_NODE') delete env[name];
  }
  return env;
}

/** User settings that keep welcome pages, trust prompts and update checks out of the way. */
const QUIET_USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'window.restoreWindows': 'none',
};

export function writeUserSettings(userDataDir) {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(QUIET_USER_SETTINGS, null, 2));
}

/** `code-server --install-extension x.vsix`; returns the folder it unpacked the extension into. */
export function installExtension({ bin, vsix, extensionsDir, userDataDir, env, extensionId }) {
  mkdirSync(extensionsDir, { recursive: true });
  const output = execFileSync(bin, ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const folder = readdirSync(extensionsDir).find((name) => name.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`));
  if (!folder) throw new Error(`code-server installed nothing named ${extensionId} into ${extensionsDir}:\n${output}`);
  return join(extensionsDir, folder);
}

async function waitForHealth(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before it served`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms`);
}

/** Starts code-server under `owner`; resolves with its base URL once /healthz answers. */
export async function startCodeServer({ owner, bin, port, userDataDir, extensionsDir, env, logFile }) {
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const child = owner.spawnLogged('code-server', bin, args, { env, cwd: env.HOME, logFile });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, 60_000);
  return url;
}
