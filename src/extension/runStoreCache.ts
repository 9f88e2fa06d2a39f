/**
 * The run folders as the extension last read them, one entry a run folder, shared by the Runs
 * tree, the panels, the Metrics view and the quick picks, so nothing lists or reads runs again
 * on its own. The run store watcher says which paths changed (`invalidate`); the next read
 * re-reads only the run folders those paths are in. Of a run's evaluation files (the big ones:
 * histograms) only those that are new or that a change names are read; they are written once,
 * whole, and never rewritten. No `vscode`: the reads are the engine's tolerant readers, and this
 * is unit-tested under Node on real folders.
 */
import * as path from 'node:path';
import { evaluationFilePaths, oldestFirst, readEvaluationFile, type EvaluationFile } from '../core/evaluate/evaluationFiles';
import type { EpochStats } from '../core/runs/history';
import { listRunDirsAsync, sortNewestFirst } from '../core/runs/runRecord';
import { EVALUATIONS_DIR } from '../core/runs/runStore';
import { listCheckpoints, readHistory, readRunSummary, type CheckpointFolder, type RunFolderSummary } from './runFolders';

/** One run folder as read: run.json, its epochs, its checkpoints and its evaluations. */
export interface RunSnapshot {
  runDir: string;
  summary: RunFolderSummary;
  history: EpochStats[];
  checkpoints: CheckpointFolder[];
  evaluations: EvaluationFile[];
  /** Different each time the folder was read again (unique across the cache): what panels compare to skip a redraw. */
  version: number;
}

/** How the cache reads the disk: the engine's readers (runFolders.ts), swapped for counting ones in tests. */
export interface RunFolderReader {
  runDirs(runsRoot: string): Promise<string[]>;
  summary(runDir: string): Promise<RunFolderSummary>;
  history(runDir: string): Promise<EpochStats[]>;
  checkpoints(runDir: string): Promise<CheckpointFolder[]>;
  evaluationFiles(runDir: string): Promise<string[]>;
  evaluation(file: string): Promise<EvaluationFile | undefined>;
}

export const DISK_READER: RunFolderReader = {
  runDirs: listRunDirsAsync,
  summary: readRunSummary,
  history: readHistory,
  checkpoints: listCheckpoints,
  evaluationFiles: evaluationFilePaths,
  evaluation: (file) => readEvaluationFile(file),
};

/** Which paths changed since the last read; 'all' when unknown (a setting changed, Refresh). */
export type ChangedPaths = Iterable<string> | 'all';

interface RunEntry {
  snapshot?: RunSnapshot;
  /** run.json, history and checkpoints (and the evaluation file list) need reading again. */
  stale: boolean;
  /** Evaluation files to read again even though they were read before. */
  staleEvaluations: Set<string>;
  /** Reads of one folder run one after the other: a newer read never loses to an older one. */
  reading: Promise<unknown>;
}

interface Listing {
  runDirs?: string[];
  stale: boolean;
  reading: Promise<unknown>;
}

/** `inner` is `outer` or inside it. */
function isWithin(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** `x.json.tmp-1234` (a file being written atomically) -> `x.json`. */
function withoutTemporarySuffix(file: string): string {
  return file.replace(/\.tmp-\d+$/, '');
}

export class RunStoreCache {
  private readonly runs = new Map<string, RunEntry>();
  private readonly listings = new Map<string, Listing>();
  private nextVersion = 1;

  constructor(private readonly reader: RunFolderReader = DISK_READER) {}

  /**
   * Marks what `changed` touched as needing a read: a path inside a run folder, that run (an
   * evaluation file, that file too); a run folder itself, an ancestor of a runs folder or an
   * entry of it, the list of runs as well; 'all', everything, every evaluation file included.
   */
  invalidate(changed: ChangedPaths): void {
    if (changed === 'all') {
      for (const listing of this.listings.values()) listing.stale = true;
      for (const entry of this.runs.values()) {
        entry.stale = true;
        for (const evaluation of entry.snapshot?.evaluations ?? []) entry.staleEvaluations.add(evaluation.file);
      }
      return;
    }
    for (const given of changed) {
      const changedPath = path.resolve(given);
      for (const [root, listing] of this.listings) {
        if (isWithin(changedPath, root) || path.dirname(changedPath) === root) listing.stale = true;
      }
      for (const [runDir, entry] of this.runs) {
        if (isWithin(changedPath, runDir)) {
          entry.stale = true;
          continue;
        }
        if (!isWithin(runDir, changedPath)) continue;
        entry.stale = true;
        const [first, second] = path.relative(runDir, changedPath).split(path.sep);
        if (first === EVALUATIONS_DIR && second) entry.staleEvaluations.add(path.join(runDir, EVALUATIONS_DIR, withoutTemporarySuffix(second)));
      }
    }
  }

  /** The runs under `runsRoot`, newest first (the engine's order), read where needed. */
  async list(runsRoot: string): Promise<RunSnapshot[]> {
    const root = path.resolve(runsRoot);
    let listing = this.listings.get(root);
    if (!listing) {
      listing = { stale: true, reading: Promise.resolve() };
      this.listings.set(root, listing);
    }
    const current = listing;
    const read = current.reading.then(async () => {
      if (!current.stale && current.runDirs) return current.runDirs;
      current.stale = false;
      current.runDirs = await this.reader.runDirs(root);
      return current.runDirs;
    });
    current.reading = read.catch(() => undefined);
    const runDirs = await read;
    // Runs whose folder left this runs folder are forgotten.
    const kept = new Set(runDirs);
    for (const runDir of [...this.runs.keys()]) if (path.dirname(runDir) === root && !kept.has(runDir)) this.runs.delete(runDir);
    const snapshots = await Promise.all(runDirs.map((runDir) => this.run(runDir)));
    return sortNewestFirst(snapshots, (snapshot) => snapshot.summary);
  }

  /** One run folder, read if it was never read or a change touched it since. */
  async run(runDir: string): Promise<RunSnapshot> {
    const dir = path.resolve(runDir);
    let entry = this.runs.get(dir);
    if (!entry) {
      entry = { stale: true, staleEvaluations: new Set(), reading: Promise.resolve() };
      this.runs.set(dir, entry);
    }
    const current = entry;
    const read = current.reading.then(() => (current.stale || !current.snapshot ? this.readRun(dir, current) : current.snapshot));
    current.reading = read.catch(() => undefined);
    return read;
  }

  /** An evaluation file, from its run's snapshot (read where needed); undefined when it is not an evaluation. */
  async evaluation(file: string): Promise<EvaluationFile | undefined> {
    const resolved = path.resolve(file);
    const evaluationsFolder = path.dirname(resolved);
    if (path.basename(evaluationsFolder) !== EVALUATIONS_DIR) return this.reader.evaluation(resolved);
    const snapshot = await this.run(path.dirname(evaluationsFolder));
    return snapshot.evaluations.find((evaluation) => evaluation.file === resolved);
  }

  private async readRun(runDir: string, entry: RunEntry): Promise<RunSnapshot> {
    entry.stale = false;
    const staleEvaluations = entry.staleEvaluations;
    entry.staleEvaluations = new Set();
    const known = new Map((entry.snapshot?.evaluations ?? []).map((evaluation) => [evaluation.file, evaluation] as const));
    const [summary, history, checkpoints, files] = await Promise.all([
      this.reader.summary(runDir),
      this.reader.history(runDir),
      this.reader.checkpoints(runDir),
      this.reader.evaluationFiles(runDir),
    ]);
    const evaluations = await Promise.all(
      files.map(async (file) => (known.has(file) && !staleEvaluations.has(file) ? known.get(file) : this.reader.evaluation(file))),
    );
    const snapshot: RunSnapshot = {
      runDir,
      summary,
      history,
      checkpoints,
      evaluations: oldestFirst(evaluations.filter((evaluation): evaluation is EvaluationFile => evaluation !== undefined)),
      version: this.nextVersion++,
    };
    entry.snapshot = snapshot;
    return snapshot;
  }
}
