// Packages the extension for one platform, as VS Code's platform-specific extensions do
// (`vsce package --target ...`): onnxruntime-node ships its native library for every platform
// (about 290 MB in all), and the .vsix keeps only the target's. The engine (dist/cli.js) loads it
// when an ONNX model is evaluated; the extension bundle never does.
// usage: node scripts/package.mjs [--target linux-x64|linux-arm64|darwin-arm64|win32-x64|win32-arm64] [--out FILE]
//        (default: this machine's platform, ood-lens.vsix)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

// VS Code target -> onnxruntime-node's folder bin/napi-vN/<os>/<arch>.
const ORT_FOLDERS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

const { values } = parseArgs({ options: { target: { type: 'string' }, out: { type: 'string' } } });
const target = values.target ?? `${process.platform}-${process.arch}`;
if (!(target in ORT_FOLDERS)) {
  console.error(`package: no onnxruntime-node binaries for target '${target}': expected one of ${Object.keys(ORT_FOLDERS).join(', ')}`);
  process.exit(2);
}
const out = values.out ?? 'ood-lens.vsix';
const others = Object.entries(ORT_FOLDERS).filter(([t]) => t !== target).map(([, folder]) => folder);
const ignoreFile = `.vscodeignore.${target}.tmp`;
writeFileSync(
  ignoreFile,
  readFileSync('.vscodeignore', 'utf8') +
    `\n# ${target} only: onnxruntime-node's other platforms (written by scripts/package.mjs)\n` +
    others.map((folder) => `node_modules/onnxruntime-node/bin/*/${folder}/**`).join('\n') +
    '\n',
);
try {
  const r = spawnSync('npx', ['vsce', 'package', '--no-yarn', '--skip-license', '--allow-missing-repository', '--target', target, '--ignoreFile', ignoreFile, '--out', out], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`${out}: ${(statSync(out).size / 1e6).toFixed(1)} MB for ${target}`);
} finally {
  if (existsSync(ignoreFile)) rmSync(ignoreFile);
}
