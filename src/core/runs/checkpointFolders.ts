/**
 * A run's checkpoint folders (DESIGN.md, "A run on disk": checkpoints/epoch-<n>/model.json +
 * weights.bin), named and listed by one rule for every layer. No tfjs. A checkpoint is complete
 * when its folder holds model.json: folders are written whole under a temporary name and
 * renamed into place, so a folder without it is not a checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CHECKPOINTS_DIR = 'checkpoints';
export const CHECKPOINT_MODEL_FILE = 'model.json';

export interface CheckpointRef {
  epoch: number;
  dir: string;
}

export function checkpointFolderName(epoch: number): string {
  return `epoch-${epoch}`;
}

/** The epoch of a checkpoint folder's name ("epoch-12" -> 12), undefined for any other name. */
export function epochOfCheckpointFolder(name: string): number | undefined {
  const match = /^epoch-(\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Whether `dir` is `<run>/checkpoints/epoch-<n>` (whatever is inside it). */
export function isCheckpointPath(dir: string): boolean {
  return epochOfCheckpointFolder(path.basename(dir)) !== undefined && path.basename(path.dirname(dir)) === CHECKPOINTS_DIR;
}

/** The checkpoints among `names` (the entries of checkpoints/) whose folder holds model.json, oldest first. */
function completeCheckpoints(runDir: string, names: readonly string[], holdsModel: (dir: string) => boolean): CheckpointRef[] {
  const found: CheckpointRef[] = [];
  for (const name of names) {
    const epoch = epochOfCheckpointFolder(name);
    const dir = path.join(runDir, CHECKPOINTS_DIR, name);
    if (epoch !== undefined && holdsModel(dir)) found.push({ epoch, dir });
  }
  return found.sort((a, b) => a.epoch - b.epoch);
}

/** The complete checkpoints of a run folder, oldest first. */
export function listCheckpointFolders(runDir: string): CheckpointRef[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(runDir, CHECKPOINTS_DIR));
  } catch {
    return [];
  }
  return completeCheckpoints(runDir, names, (dir) => fs.existsSync(path.join(dir, CHECKPOINT_MODEL_FILE)));
}

/** The same, without blocking the event loop (the extension host lists every run on each change). */
export async function listCheckpointFoldersAsync(runDir: string): Promise<CheckpointRef[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(path.join(runDir, CHECKPOINTS_DIR));
  } catch {
    return [];
  }
  const withModel = new Set<string>();
  await Promise.all(
    names.map(async (name) => {
      const dir = path.join(runDir, CHECKPOINTS_DIR, name);
      if (await fs.promises.access(path.join(dir, CHECKPOINT_MODEL_FILE)).then(() => true, () => false)) withModel.add(dir);
    }),
  );
  return completeCheckpoints(runDir, names, (dir) => withModel.has(dir));
}
