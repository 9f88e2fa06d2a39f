/** Every command the extension contributes (package.json `contributes.commands`), by id. */
export const COMMAND_IDS = {
  trainLogitNorm: 'oodLens.trainLogitNorm',
  trainCrossEntropy: 'oodLens.trainCrossEntropy',
  train: 'oodLens.train',
  evaluate: 'oodLens.evaluate',
  evaluateModel: 'oodLens.evaluateModel',
  openDashboard: 'oodLens.openDashboard',
  compareRuns: 'oodLens.compareRuns',
  cancelJob: 'oodLens.cancelJob',
  exportReport: 'oodLens.exportReport',
  sweepTau: 'oodLens.sweepTau',
  deleteRun: 'oodLens.deleteRun',
  revealInExplorer: 'oodLens.revealInExplorer',
  refreshRuns: 'oodLens.refreshRuns',
  openEvaluation: 'oodLens.openEvaluation',
  showLog: 'oodLens.showLog',
  setUpNativeTensorflow: 'oodLens.setUpNativeTensorflow',
} as const;

export type CommandId = (typeof COMMAND_IDS)[keyof typeof COMMAND_IDS];

export const RUNS_VIEW_ID = 'oodLens.runs';
export const DASHBOARD_VIEW_TYPE = 'oodLens.dashboard';
export const EVALUATION_VIEW_TYPE = 'oodLens.evaluation';
export const COMPARE_VIEW_TYPE = 'oodLens.compare';
export const SWEEP_VIEW_TYPE = 'oodLens.sweep';
