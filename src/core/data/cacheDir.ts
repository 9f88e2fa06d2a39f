import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The CLI's cache folder: $XDG_CACHE_HOME/ood-lens when that is set, else ~/.cache/ood-lens.
 * The extension passes its global storage folder as DataOptions.cacheDir instead.
 */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'ood-lens');
}
