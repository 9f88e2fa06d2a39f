/**
 * TensorFlow's C library from a TensorFlow CPU wheel (pip's `tensorflow-cpu`): the wheel's
 * `libtensorflow_cc.so.2` exports the C API that tfjs-node's addon calls, so where tfjs-node's
 * own download host is unreachable but pip can get the wheel, the addon is built against it.
 *
 * Cache layout (`cacheDir`, the same for `npm run setup:native` and the extension):
 *   wheels/tensorflow_cpu-<v>-*.whl          a downloaded wheel, until it is unpacked
 *   tensorflow-cpu-<v>/lib/                  libtensorflow_cc.so.2, libtensorflow_framework.so.2
 *   tensorflow-cpu-<v>/include/              the C API headers the addon's sources include
 *   tensorflow-cpu-<v>/tfjs-node-.../        built addons (addonBuild.ts)
 * Every folder is made under a temporary name and renamed when complete, so a cancelled or
 * failed step leaves nothing a later run would take for finished.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMissingProgram, lastLines, runProcess } from './childProcesses';
import { NativeSetupError, type SetupContext } from './setupContext';

/** Header folders of the wheel's tensorflow/include/ that the addon's sources reach. */
const HEADER_DIRS = ['tensorflow/c', 'tensorflow/core/platform', 'tsl/platform', 'xla/tsl/c'];
const WHEEL_PATTERN = /^tensorflow_cpu-([^-]+)-.*\.whl$/;

export interface UnpackedTensorflow {
  dir: string;
  version: string;
}

/** A temporary sibling name of `target` that no other process uses. */
export function temporaryName(target: string): string {
  return `${target}.tmp-${process.pid}-${Date.now().toString(36)}`;
}

/** A TensorFlow unpacked by an earlier run (the newest version), if any. */
export function cachedUnpacked(context: SetupContext): UnpackedTensorflow | undefined {
  const { cacheDir } = context.options;
  if (!fs.existsSync(cacheDir)) return undefined;
  const found = fs.readdirSync(cacheDir)
    .map((name) => /^tensorflow-cpu-(\d[^/]*)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && !match[1].includes('.tmp-') && fs.existsSync(path.join(cacheDir, match[0], 'lib', 'libtensorflow_cc.so.2')))
    .sort((a, b) => b[1].localeCompare(a[1], 'en', { numeric: true }));
  if (found.length === 0) return undefined;
  const dir = path.join(cacheDir, found[0][0]);
  context.log(`using TensorFlow ${found[0][1]}'s libraries unpacked earlier in ${dir}`);
  return { dir, version: found[0][1] };
}

/** The Python that runs pip and unpacks the wheel; says what to do when there is none. */
async function checkPython(context: SetupContext, purpose: string): Promise<string> {
  const python = context.options.python ?? 'python3';
  const probe = await runProcess(python, ['-m', 'pip', '--version'], { env: context.env, signal: context.signal });
  if (probe.ok) return probe.out.trim().split(' from ')[0];
  const why = isMissingProgram(probe) ? `'${python}' is not on the PATH` : `'${python} -m pip' does not run (${lastLines(probe.out, 1).trim()})`;
  throw new NativeSetupError('pip', `${purpose} needs Python 3 with pip: ${why}. Install Python 3 with pip (Debian: apt-get install python3-pip)${context.options.wheelHint ? `, or ${context.options.wheelHint}` : ''}`);
}

/** The wheel to unpack: the one given, one downloaded earlier, or one pip downloads now. */
export async function getWheel(context: SetupContext): Promise<{ file: string; downloaded: boolean }> {
  const { wheel, cacheDir } = context.options;
  if (wheel) {
    if (!fs.existsSync(wheel)) throw new NativeSetupError('wheel', `the TensorFlow wheel ${wheel} does not exist: give the path of a tensorflow_cpu-*.whl file`);
    if (!WHEEL_PATTERN.test(path.basename(wheel))) throw new NativeSetupError('wheel', `${wheel} is not a TensorFlow CPU wheel: expected a file named tensorflow_cpu-<version>-...whl`);
    return { file: path.resolve(wheel), downloaded: false };
  }
  const wheelDir = path.join(cacheDir, 'wheels');
  const cached = fs.existsSync(wheelDir) ? fs.readdirSync(wheelDir).filter((name) => WHEEL_PATTERN.test(name)) : [];
  if (cached.length > 0) {
    context.log(`using the wheel downloaded earlier: ${path.join(wheelDir, cached[0])}`);
    return { file: path.join(wheelDir, cached[0]), downloaded: true };
  }
  const pip = await checkPython(context, 'getting a TensorFlow CPU wheel');
  context.step('downloading the TensorFlow CPU wheel with pip (about 270 MB)');
  context.log(`pip download --no-deps --only-binary=:all: tensorflow-cpu (${pip}) into ${wheelDir}`);
  // Into a folder of its own first: a cancelled download must not leave a partial wheel behind.
  const partial = temporaryName(wheelDir);
  context.cleanUpLater(partial);
  fs.mkdirSync(partial, { recursive: true });
  const python = context.options.python ?? 'python3';
  const download = await runProcess(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--progress-bar', 'off', 'tensorflow-cpu', '-d', partial], {
    env: context.env,
    signal: context.signal,
    onLine: context.log,
  });
  const got = fs.readdirSync(partial).filter((name) => WHEEL_PATTERN.test(name));
  if (!download.ok || got.length === 0) {
    context.log(lastLines(download.out, 8));
    throw new NativeSetupError('wheel', `pip found no tensorflow-cpu wheel for this Python on any package index it can reach (exit ${download.status}): ` +
      `install tfjs-node where storage.googleapis.com is reachable${context.options.wheelHint ? `, or ${context.options.wheelHint}` : ''}`);
  }
  fs.mkdirSync(wheelDir, { recursive: true });
  fs.renameSync(path.join(partial, got[0]), path.join(wheelDir, got[0]));
  fs.rmSync(partial, { recursive: true, force: true });
  return { file: path.join(wheelDir, got[0]), downloaded: true };
}

/** Python that copies the two libraries and the headers out of the wheel (a zip). */
const EXTRACT = `
import sys, zipfile, os, shutil
wheel, out, header_dirs = sys.argv[1], sys.argv[2], sys.argv[3].split(',')
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
for lib in ('libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'):
    member = 'tensorflow/' + lib
    if member not in names:
        sys.exit('the wheel holds no ' + member)
    os.makedirs(os.path.join(out, 'lib'), exist_ok=True)
    with z.open(member) as src, open(os.path.join(out, 'lib', lib), 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
count = 0
for member in names:
    rel = member[len('tensorflow/include/'):]
    if member.startswith('tensorflow/include/') and not member.endswith('/') and any(rel.startswith(d + '/') for d in header_dirs):
        target = os.path.join(out, 'include', rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(member) as src, open(target, 'wb') as dst:
            shutil.copyfileobj(src, dst)
        count += 1
if not os.path.exists(os.path.join(out, 'include', 'tensorflow', 'c', 'c_api.h')):
    sys.exit('the wheel holds no tensorflow/include/tensorflow/c/c_api.h')
print(count)`;

/** Unpacks the two libraries and the headers into the cache; a downloaded wheel is then removed (the cache keeps what a build needs). */
export async function unpackWheel(context: SetupContext, wheel: { file: string; downloaded: boolean }): Promise<UnpackedTensorflow> {
  const version = WHEEL_PATTERN.exec(path.basename(wheel.file))?.[1] ?? 'unknown';
  const dir = path.join(context.options.cacheDir, `tensorflow-cpu-${version}`);
  if (fs.existsSync(path.join(dir, 'lib', 'libtensorflow_cc.so.2'))) {
    context.log(`using the unpacked TensorFlow ${version} libraries in ${dir}`);
    return { dir, version };
  }
  await checkPython(context, 'unpacking the TensorFlow wheel');
  context.step(`unpacking TensorFlow ${version}'s C library from the wheel`);
  context.log(`unpacking libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C API headers of ${path.basename(wheel.file)} into ${dir}`);
  const partial = temporaryName(dir);
  context.cleanUpLater(partial);
  const python = context.options.python ?? 'python3';
  const unpacked = await runProcess(python, ['-c', EXTRACT, wheel.file, partial, HEADER_DIRS.join(',')], { env: context.env, signal: context.signal });
  if (!unpacked.ok) {
    context.log(lastLines(unpacked.out, 4));
    fs.rmSync(partial, { recursive: true, force: true });
    throw new NativeSetupError('wheel', `could not unpack ${path.basename(wheel.file)} (${lastLines(unpacked.out, 1).trim()}): it is not a complete TensorFlow CPU wheel; remove it and run the set-up again`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  if (wheel.downloaded) {
    fs.rmSync(wheel.file, { force: true });
    context.log(`unpacked (${unpacked.out.trim()} headers); removed the downloaded wheel, the cache keeps what the build needs`);
  }
  return { dir, version };
}
