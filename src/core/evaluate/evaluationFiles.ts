/**
 * Reading a run's evaluation files (evaluations/<id>.json), without tfjs: the report, the CLI
 * and the extension host all read them through here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvaluationResult } from './results';

/** Every evaluation file of a run, oldest name first; a file that is not one is skipped and said. */
export function readEvaluations(run: { evaluationsDir: string }, log?: (m: string) => void): EvaluationResult[] {
  if (!fs.existsSync(run.evaluationsDir)) return [];
  const out: EvaluationResult[] = [];
  for (const name of fs.readdirSync(run.evaluationsDir).filter((n) => n.endsWith('.json')).sort()) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(run.evaluationsDir, name), 'utf8')) as EvaluationResult;
      if (r.format === 'ood-lens-evaluation') out.push(r);
    } catch (e) {
      log?.(`skipping ${name}: ${(e as Error).message}`);
    }
  }
  return out;
}
