/**
 * The report of a set of runs as text (Markdown, CSV or JSON), tfjs-free: `ood-lens report`
 * prints it and the extension's Export Report makes it in-process, without starting the engine.
 */
import { UserInputError } from '../errors';
import { RunStore } from '../runs/runStore';
import { readEvaluations } from './evaluationFiles';
import { buildReport, renderCsv, renderMarkdown } from './report';

export type ReportFormat = 'md' | 'csv' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'csv', 'json'];

export interface ReportRequest {
  /** The runs folder. */
  runsRoot: string;
  /** Run ids or folders; none: every run under the runs folder. */
  runs?: readonly string[];
  format: ReportFormat;
  /** The scorer of Tables 1 and 2 (default: the report's own). */
  scorer?: string;
  /** Told about files that are skipped (not evaluations, or unreadable). */
  log?: (message: string) => void;
}

export function reportText(request: ReportRequest): string {
  if (!REPORT_FORMATS.includes(request.format)) throw new UserInputError(`--format '${request.format}' is unknown: expected md, csv or json`, request.format, 'md | csv | json');
  const store = new RunStore(request.runsRoot);
  const runs = request.runs && request.runs.length > 0 ? request.runs.map((ref) => store.open(ref)) : store.list();
  const evaluations = runs.flatMap((run) => readEvaluations(run, request.log));
  if (evaluations.length === 0) {
    throw new UserInputError(`no evaluations found in ${runs.length} run(s): run ood-lens evaluate RUN first`, request.runs?.join(' ') || store.root, 'evaluated runs');
  }
  const tables = buildReport(evaluations, { scorer: request.scorer });
  if (request.format === 'md') return renderMarkdown(tables);
  if (request.format === 'csv') return renderCsv(tables);
  return JSON.stringify(tables, null, 2) + '\n';
}
