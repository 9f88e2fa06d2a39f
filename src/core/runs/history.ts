/**
 * history.jsonl, a run's per-epoch statistics, one JSON object a line: its record type and the
 * one parser every layer uses (the engine when it resumes or reports, the extension's tree and
 * dashboard). No tfjs, no vscode.
 *
 * The rule: the writer appends whole lines (appendLine), so only the last line can be torn (a
 * process killed mid-write); it is skipped. A bad line before the last is damage: the epochs
 * before it are kept and `problem` names the line.
 */

export const HISTORY_FILE = 'history.jsonl';

/** One epoch's statistics: a line of history.jsonl and the payload of the `epoch` event. */
export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Mean L2 norm of the raw logits: ID train (a sample), ID test, the OOD probe set. */
  logitNormTrain: number;
  logitNormTest: number;
  logitNormOod: number;
  /** Name of the OOD probe set the norm above was measured on. */
  oodProbe: string;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface ParsedHistory {
  epochs: EpochStats[];
  /** Set when a line before the last is not an epoch record: which line, and why. */
  problem?: string;
}

export function parseHistory(text: string, file: string = HISTORY_FILE): ParsedHistory {
  const lines = text.split('\n');
  // The index of the last line with text: the only one that may be torn.
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last -= 1;
  const epochs: EpochStats[] = [];
  for (let index = 0; index <= last; index += 1) {
    const line = lines[index].trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      if (index === last) break;
      return { epochs, problem: `${file} line ${index + 1} is not JSON (${(error as Error).message}); the epochs after it are not shown` };
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { epoch?: unknown }).epoch !== 'number') {
      if (index === last) break;
      return { epochs, problem: `${file} line ${index + 1} is not an epoch record (no "epoch" number); the epochs after it are not shown` };
    }
    epochs.push(parsed as EpochStats);
  }
  return { epochs };
}
