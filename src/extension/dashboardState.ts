/**
 * Builds the whole state of a dashboard panel from a run folder as read (the run store cache's
 * snapshot), or the fixed sample shown before any run exists. Pure data shaping; the webview only
 * draws what this returns.
 */
import type { ChartSeries, DashboardState, EpochStats } from '../protocol';
import type { RunSnapshot } from './runStoreCache';

/** Config keys shown first, in this order; the rest follow alphabetically. */
const LEADING_CONFIG_KEYS = ['dataset', 'arch', 'loss', 'tau', 'epochs', 'seed', 'backend'];

function formatConfigValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function configFacts(config: Record<string, unknown>): Array<{ key: string; value: string }> {
  const keys = Object.keys(config);
  const leading = LEADING_CONFIG_KEYS.filter((key) => keys.includes(key));
  const rest = keys.filter((key) => !LEADING_CONFIG_KEYS.includes(key)).sort();
  return [...leading, ...rest].map((key) => ({ key, value: formatConfigValue(config[key]) }));
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function logitNormSeries(history: EpochStats[]): ChartSeries[] {
  const oodProbe = history.find((stats) => typeof stats.oodProbe === 'string')?.oodProbe;
  return [
    { label: 'ID train', colorRole: 'train', values: history.map((stats) => finiteOrNull(stats.logitNormTrain)) },
    { label: 'ID test', colorRole: 'test', values: history.map((stats) => finiteOrNull(stats.logitNormTest)) },
    { label: oodProbe ? `OOD (${oodProbe})` : 'OOD', colorRole: 'ood', values: history.map((stats) => finiteOrNull(stats.logitNormOod)) },
  ];
}

/** Loss, accuracy (train / test) and learning rate per epoch, straight from history.jsonl. */
export function trainingSeries(history: EpochStats[]): Pick<DashboardState, 'loss' | 'accuracy' | 'learningRate'> {
  return {
    loss: [{ label: 'train loss', colorRole: 'loss', values: history.map((stats) => finiteOrNull(stats.trainLoss)) }],
    accuracy: [
      { label: 'train accuracy', colorRole: 'train', values: history.map((stats) => finiteOrNull(stats.trainAccuracy)) },
      { label: 'test accuracy', colorRole: 'test', values: history.map((stats) => finiteOrNull(stats.testAccuracy)) },
    ],
    learningRate: [{ label: 'learning rate', colorRole: 'lr', values: history.map((stats) => finiteOrNull(stats.lr)) }],
  };
}

export function dashboardStateOf(run: Pick<RunSnapshot, 'summary' | 'history'>): DashboardState {
  const { summary, history } = run;
  const facts = configFacts(summary.config);
  if (typeof summary.bestTestAccuracy === 'number') facts.unshift({ key: 'best test accuracy', value: `${(100 * summary.bestTestAccuracy).toFixed(2)}%` });
  // Warnings first (after an error): a runaway logit norm is what a user must not miss.
  for (const warning of [...summary.warnings].reverse()) facts.unshift({ key: 'warning', value: warning });
  if (summary.error) facts.unshift({ key: 'error', value: summary.error });
  if (summary.problem) facts.unshift({ key: 'problem', value: summary.problem });
  return {
    runId: summary.id,
    title: `Run ${summary.id}`,
    source: history.length > 0
      ? `Mean logit norm per epoch, from history.jsonl of ${summary.id} (${history.length} epochs)`
      : `Run ${summary.id} has no history.jsonl lines yet`,
    isSample: false,
    status: summary.status,
    facts,
    epochs: history.map((stats) => stats.epoch),
    logitNorm: logitNormSeries(history),
    ...trainingSeries(history),
  };
}

/**
 * A fixed, made-up curve shaped like cross-entropy training (norms grow, ID faster than OOD),
 * labelled as a sample everywhere it is shown so nobody mistakes it for a result.
 */
export function sampleDashboardState(): DashboardState {
  const epochs = [1, 2, 3, 4, 5, 6, 7, 8];
  return {
    title: 'Sample chart (no run yet)',
    source: 'Sample data, not a run: train a model to see its own logit norms here',
    isSample: true,
    facts: [{ key: 'data', value: 'fixed sample values shipped with the extension' }],
    epochs,
    logitNorm: [
      { label: 'ID train (sample)', colorRole: 'train', values: [4.1, 7.9, 10.6, 12.8, 14.5, 15.9, 17.0, 17.8] },
      { label: 'ID test (sample)', colorRole: 'test', values: [4.0, 7.6, 10.1, 12.2, 13.8, 15.0, 16.1, 16.9] },
      { label: 'OOD (sample)', colorRole: 'ood', values: [3.2, 5.4, 6.9, 8.1, 9.0, 9.7, 10.3, 10.8] },
    ],
    loss: [],
    accuracy: [],
    learningRate: [],
  };
}
