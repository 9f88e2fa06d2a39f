// Installs what the end-to-end run needs when it is missing: Debian's Chromium (+ fonts) for the
// browser, and code-server (the real VS Code 1.100 server) from npm into the project's own cache
// folder. Each step is skipped when its result is already there, so a second run costs nothing.
import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The @vscode/ripgrep release code-server 4.100.3 pulls in, and the rg build it downloads. */
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

function debianPackageInstalled(name) {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return status.includes('install ok installed');
  } catch {
    return false;
  }
}

/** apt-get installs the Debian packages of `names` that are not installed yet (one apt-get update first). */
export function ensureDebianPackages(names, log) {
  const missing = names.filter((name) => !debianPackageInstalled(name));
  if (missing.length === 0) return;
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

/** Path of the code-server launcher inside the cache prefix. */
export function codeServerBin(projectRoot) {
  return join(projectRoot, '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
}

function installedCodeServerVersion(projectRoot) {
  const manifest = join(projectRoot, '.cache', 'code-server', 'node_modules', 'code-server', 'package.json');
  if (!existsSync(manifest)) return undefined;
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

/**
 * npm-installs code-server into <project>/.cache/code-server with the fixes this machine needs:
 * unsafe-perm (we are root), Debian libkrb5-dev (kerberos builds from source), Debian ripgrep
 * placed in @vscode/ripgrep's download cache (its own download host is unreachable), and
 * npm_config_yes (node-pty's postinstall runs npx).
 */
export function ensureCodeServer(projectRoot, log) {
  const prefix = join(projectRoot, '.cache', 'code-server');
  const bin = codeServerBin(projectRoot);
  if (installedCodeServerVersion(projectRoot) === CODE_SERVER_VERSION && existsSync(bin)) return bin;
  ensureDebianPackages(['libkrb5-dev', 'ripgrep'], log);
  log(`npm install code-server@${CODE_SERVER_VERSION} into ${prefix}`);
  const installTmp = join(projectRoot, '.cache', 'code-server-install-tmp');
  rmSync(installTmp, { recursive: true, force: true });
  const ripgrepCache = join(installTmp, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  mkdirSync(ripgrepCache, { recursive: true });
  run('tar', ['-czf', join(ripgrepCache, RIPGREP_ASSET), '-C', '/usr/bin', 'rg']);
  mkdirSync(prefix, { recursive: true });
  // A package.json of its own so npm does not walk up into the project's.
  if (!existsSync(join(prefix, 'package.json'))) {
    writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'ood-lens-e2e-code-server', private: true }, null, 2) + '\n');
  }
  const env = {
    ...process.env,
    TMPDIR: installTmp,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  };
  run('npm', ['install', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], { cwd: prefix, env });
  rmSync(installTmp, { recursive: true, force: true });
  if (!existsSync(bin)) throw new Error(`code-server install finished but ${bin} is missing`);
  return bin;
}

/** Everything the run needs on the machine; returns the code-server launcher. */
export function ensurePrerequisites(projectRoot, log) {
  if (!existsSync(CHROMIUM_PATH)) ensureDebianPackages(['chromium', 'fonts-liberation'], log);
  else ensureDebianPackages(['fonts-liberation'], log);
  return ensureCodeServer(projectRoot, log);
}
