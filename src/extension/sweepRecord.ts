/**
 * The sweep panel's state: a tau sweep's record (core/sweep/sweepRecord.ts, written by
 * `ood-lens sweep`) with each landed evaluation read through the run store cache. Pure of
 * `vscode`, unit-tested under Node. The averages are the engine's report (Table 1's "average"
 * row for the sweep's scorer); nothing here computes a metric.
 */
import type { EvaluationFile } from '../core/evaluate/evaluationFiles';
import { scorerAverages, type SweepRecord } from '../core/sweep/sweepRecord';
import type { SweepPoint, SweepState } from '../protocol';

/** The sweep panel's state: the record, each landed evaluation read with `readEvaluation`. */
export async function sweepStateOf(file: string, record: SweepRecord, drivenHere: boolean, readEvaluation: (file: string) => Promise<EvaluationFile | undefined>): Promise<SweepState> {
  const points: SweepPoint[] = await Promise.all(
    record.points.map(async (point): Promise<SweepPoint> => {
      const evaluation = point.evaluationFile ? await readEvaluation(point.evaluationFile) : undefined;
      const averages = evaluation ? scorerAverages(evaluation.result, record.scorer) : { fpr95: null, auroc: null };
      return {
        tau: point.tau,
        status: point.status,
        runId: point.runId,
        averageFpr95: averages.fpr95,
        averageAuroc: averages.auroc,
        idAccuracy: evaluation ? evaluation.result.idAccuracy : null,
        error: point.error ?? (point.evaluationFile && !evaluation ? `${point.evaluationFile} is missing or not an evaluation` : undefined),
      };
    }),
  );
  const { dataset, architecture, epochs, limit } = record.train;
  return {
    title: `Sweep tau · LogitNorm · ${architecture} on ${dataset}, ${epochs} epoch${epochs === 1 ? '' : 's'}${limit ? `, ${limit} images` : ''}`,
    source: `Average ${record.scorer.toUpperCase()} FPR95 over ${record.oodSets.join(', ')} per tau, from each run's evaluation (sweep ${file})${record.bestTau === undefined ? '' : `; best tau so far ${record.bestTau}`}`,
    status: record.status === 'running' && !drivenHere ? 'interrupted' : record.status,
    scorer: record.scorer,
    oodSets: record.oodSets,
    points,
    cancellable: drivenHere && record.status === 'running',
  };
}
