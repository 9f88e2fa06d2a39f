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

/** The complete checkpoints of a run folder, oldest first. */
export function listCheckpointFolders(runDir: string): CheckpointRef[] {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const found: CheckpointRef[] = [];
  for (const name of names) {
    const epoch = epochOfCheckpointFolder(name);
    const dir = path.join(root, name);
    if (epoch !== undefined && fs.existsSync(path.join(dir, CHECKPOINT_MODEL_FILE))) found.push({ epoch, dir });
  }
  return found.sort((a, b) => a.epoch - b.epoch);
}
