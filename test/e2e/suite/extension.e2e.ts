/**
 * Extension-host tests: run inside a real VS Code 1.100 (code-server) against the installed
 * .vsix, in a temporary workspace folder the harness opened. Named *.e2e.ts so the unit-test
 * runner (test/**\/*.test.ts under Node) never picks them up.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { OodLensTestApi } from '../../../src/extension/api';
import type { EvaluationResult } from '../../../src/core/evaluate/results';
import type { JobOutcome } from '../../../src/extension/jobRunner';
import type { RunsTreeNode } from '../../../src/extension/runsTree';
import type { SweepRecord } from '../../../src/core/sweep/sweepRecord';

const EXTENSION_ID = 'ood-lens.ood-lens';
const RUN_ID = '20261127-101500-e2e-lenet-logitnorm';

/** Resolves with the first event `event` fires that `accept` takes, or rejects after `timeoutMs`. */
function nextEvent<T>(event: vscode.Event<T>, accept: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const subscription = event((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    });
  });
}

function workspaceFolderPath(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens a workspace folder');
  return folder.uri.fsPath;
}

async function writeRunFolder(workspace: string, runId: string): Promise<string> {
  const runDir = path.join(workspace, '.oodlens', 'runs', runId);
  await fs.mkdir(path.join(runDir, 'checkpoints', 'epoch-2'), { recursive: true });
  const history = [1, 2].map((epoch) =>
    JSON.stringify({
      epoch, trainLoss: 1 / epoch, trainAccuracy: 0.9, testAccuracy: 0.9, logitNormTrain: 5 * epoch,
      logitNormTest: 4.5 * epoch, logitNormOod: 3 * epoch, oodProbe: 'fashion-mnist', lr: 0.01, seconds: 1, imagesPerSecond: 100,
    }),
  );
  await fs.writeFile(path.join(runDir, 'history.jsonl'), history.join('\n') + '\n');
  await fs.writeFile(path.join(runDir, 'checkpoints', 'epoch-2', 'model.json'), '{}');
  // run.json last: the run is complete once it is there.
  const runJson = { id: runId, config: { dataset: 'mnist', arch: 'lenet', loss: 'logitnorm', tau: 0.04 }, status: 'done' };
  await fs.writeFile(path.join(runDir, 'run.json'), JSON.stringify(runJson, null, 2));
  return runDir;
}

function openWebviewTabLabels(): string[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview)
    .map((tab) => tab.label);
}

describe('OOD Lens extension', () => {
  let api: OodLensTestApi;
  let extension: vscode.Extension<OodLensTestApi>;

  before(async () => {
    const found = vscode.extensions.getExtension<OodLensTestApi>(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is installed`);
    extension = found;
    api = await extension.activate();
  });

  it('activates and hands its test API back', () => {
    assert.equal(extension.isActive, true);
    assert.ok(api.runsTree, 'activate returned the runs tree provider');
  });

  it('declares the manifest the issue asks for', () => {
    const manifest = extension.packageJSON as {
      main: string;
      extensionKind: string[];
      engines: { vscode: string };
      contributes: { viewsContainers: { activitybar: Array<{ id: string; title: string }> }; views: Record<string, Array<{ id: string }>> };
    };
    assert.equal(manifest.main, 'dist/extension.js');
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((container) => container.title === 'OOD Lens'));
    assert.ok(Object.values(manifest.contributes.views).flat().some((view) => view.id === 'oodLens.runs'));
  });

  it('registers every command it contributes, under category "OOD Lens"', async () => {
    const contributed = (extension.packageJSON as { contributes: { commands: Array<{ command: string; category: string }> } }).contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 11, `contributes ${contributed.length} commands`);
    for (const { command, category } of contributed) {
      assert.ok(registered.has(command), `${command} is registered`);
      assert.equal(category, 'OOD Lens', `${command} has category OOD Lens`);
    }
  });

  it('answers the commands that need no question plainly when there is nothing to do', async () => {
    // Cancel Job with no job, and Compare Runs with no evaluated run, say so instead of failing.
    await vscode.commands.executeCommand('oodLens.cancelJob');
    assert.equal(await vscode.commands.executeCommand('oodLens.compareRuns'), undefined, 'no panel without two evaluated runs');
    assert.deepEqual(api.jobs(), []);
    assert.ok(!openWebviewTabLabels().some((label) => label.includes('compare')), `tabs: ${openWebviewTabLabels().join(', ')}`);
  });

  it('contributes a "Get started" walkthrough whose media ship and whose buttons run registered commands', async () => {
    const manifest = extension.packageJSON as {
      contributes: { walkthroughs: Array<{ steps: Array<{ id: string; description: string; media: { svg?: string; markdown?: string; image?: string }; completionEvents: string[] }> }> };
    };
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.deepEqual(walkthrough.steps.map((step) => step.id), ['train', 'dashboard', 'evaluate', 'metrics']);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of walkthrough.steps) {
      const media = step.media.svg ?? step.media.markdown ?? step.media.image;
      assert.ok(media, `step ${step.id} has media`);
      await fs.access(path.join(extension.extensionPath, media));
      const links = [...step.description.matchAll(/\(command:([\w.]+)(?:\?([^)]*))?\)/g)];
      assert.equal(links.length, 1, `step ${step.id} has one button`);
      assert.ok(registered.has(links[0][1]), `${links[0][1]} is registered`);
      for (const event of step.completionEvents) {
        const [kind, id] = event.split(':');
        if (kind === 'onCommand') assert.ok(registered.has(id), `${event}: the command is registered`);
        else assert.equal(event, 'onView:oodLens.metrics');
      }
    }
    // The first button trains a small model: its arguments are the train command's preset.
    const trainLink = /\(command:oodLens\.trainLogitNorm\?([^)]*)\)/.exec(walkthrough.steps[0].description);
    assert.ok(trainLink);
    assert.deepEqual(JSON.parse(decodeURIComponent(trainLink[1])), [{ dataset: 'mnist', architecture: 'mlp', epochs: 2 }]);
  });

  it('opens the sample chart when no run exists, and Chart.js draws it', async () => {
    assert.deepEqual(await api.runsTree.getChildren(), [], 'the fresh workspace has no runs');
    const rendered = nextEvent(api.onDidRenderChart, (report) => report.runDir === undefined && report.paintedPixels > 0, 30_000, 'the sample chart to draw');
    await vscode.commands.executeCommand('oodLens.openDashboard');
    const report = await rendered;
    assert.ok(report.paintedPixels > 0);
    assert.ok(openWebviewTabLabels().some((label) => label.includes('sample chart')), `tabs: ${openWebviewTabLabels().join(', ')}`);
  });

  it('lists a run folder written into the workspace, told by the file watcher', async () => {
    const changed = nextEvent(api.onDidChangeRuns, () => true, 20_000, 'the run store watcher');
    // The fresh workspace has no .oodlens/ yet: this also creates the folders above the run.
    const runDir = await writeRunFolder(workspaceFolderPath(), RUN_ID);
    await changed;
    let runs = (await api.runsTree.getChildren()) ?? [];
    // The watcher may fire before run.json (written last) has landed; one more event brings it.
    if (!runs.some((node) => node.kind === 'run' && node.summary.id === RUN_ID)) {
      await nextEvent(api.onDidChangeRuns, () => true, 20_000, 'the watcher to see run.json');
      runs = (await api.runsTree.getChildren()) ?? [];
    }
    const run = runs.find((node): node is Extract<RunsTreeNode, { kind: 'run' }> => node.kind === 'run' && node.summary.id === RUN_ID);
    assert.ok(run, `the tree lists ${RUN_ID}; it lists ${JSON.stringify(runs.map((node) => node.kind))}`);
    assert.equal(run.summary.runDir, runDir);
    const runItem = await api.runsTree.getTreeItem(run);
    assert.equal(runItem.contextValue, 'run');
    assert.match(String(runItem.description), /LogitNorm tau=0\.04/);
    const children = (await api.runsTree.getChildren(run)) ?? [];
    assert.equal(children.length, 1);
    const checkpointItem = await api.runsTree.getTreeItem(children[0]);
    assert.equal(checkpointItem.contextValue, 'checkpoint', 'Evaluate OOD is offered on checkpoints');
  });

  it('lists a second run written beside the first', async () => {
    const secondRunId = `${RUN_ID}-second`;
    const changed = nextEvent(api.onDidChangeRuns, () => true, 20_000, 'the run store watcher');
    await writeRunFolder(workspaceFolderPath(), secondRunId);
    await changed;
    const listed = async () => ((await api.runsTree.getChildren()) ?? []).filter((node) => node.kind === 'run').map((node) => (node.kind === 'run' ? node.summary.id : ''));
    let runIds = await listed();
    if (!runIds.includes(secondRunId)) {
      await nextEvent(api.onDidChangeRuns, () => true, 20_000, 'the watcher to see the second run.json');
      runIds = await listed();
    }
    assert.deepEqual(runIds, [secondRunId, RUN_ID], 'both runs, last first');
  });

  it("opens a run's dashboard and draws its history.jsonl", async () => {
    const runDir = path.join(workspaceFolderPath(), '.oodlens', 'runs', RUN_ID);
    const rendered = nextEvent(api.onDidRenderChart, (report) => report.runDir === runDir && report.paintedPixels > 0, 30_000, "the run's chart to draw");
    await vscode.commands.executeCommand('oodLens.openDashboard', vscode.Uri.file(runDir));
    const report = await rendered;
    assert.equal(report.epochCount, 2, 'both epochs of history.jsonl are drawn');
    assert.ok(openWebviewTabLabels().some((label) => label.includes(RUN_ID)), `tabs: ${openWebviewTabLabels().join(', ')}`);
  });

  it('redraws an open dashboard when its run appends an epoch, and the tree shows the new status', async () => {
    const runDir = path.join(workspaceFolderPath(), '.oodlens', 'runs', RUN_ID);
    const redrawn = nextEvent(api.onDidRenderChart, (report) => report.runDir === runDir && report.epochCount === 3, 30_000, 'the chart to redraw with epoch 3');
    const epoch3 = { epoch: 3, trainLoss: 0.3, trainAccuracy: 0.95, testAccuracy: 0.94, logitNormTrain: 16, logitNormTest: 15, logitNormOod: 9, oodProbe: 'fashion-mnist', lr: 0.01, seconds: 1, imagesPerSecond: 100 };
    await fs.appendFile(path.join(runDir, 'history.jsonl'), JSON.stringify(epoch3) + '\n');
    // run.json is replaced whole, as the engine does: a temporary name, then a rename.
    const runJson = { id: RUN_ID, config: { dataset: 'mnist', arch: 'lenet', loss: 'logitnorm', tau: 0.04 }, status: 'running' };
    await fs.writeFile(path.join(runDir, 'run.json.tmp-e2e'), JSON.stringify(runJson));
    await fs.rename(path.join(runDir, 'run.json.tmp-e2e'), path.join(runDir, 'run.json'));
    await redrawn;
    const statusShown = async () => {
      const runs = (await api.runsTree.getChildren()) ?? [];
      const run = runs.find((node) => node.kind === 'run' && node.summary.id === RUN_ID);
      return run ? String((await api.runsTree.getTreeItem(run)).description) : '';
    };
    let description = await statusShown();
    if (!description.includes('running')) {
      await nextEvent(api.onDidChangeRuns, () => true, 20_000, 'the watcher to see run.json replaced');
      description = await statusShown();
    }
    assert.match(description, /running/);
  });
});

/**
 * The job runner with the real engine: the installed extension's dist/cli.js runs as a child
 * process on a small MNIST subset (the harness's workspace settings: mlp, --limit 500, gaussian
 * probe, the data folder holding MNIST's IDX files). Answers to the quick picks are passed as
 * command arguments, as a script would.
 */
describe('OOD Lens jobs (the engine as a child process)', () => {
  let api: OodLensTestApi;
  let trainedRunDir: string;

  before(async () => {
    const found = vscode.extensions.getExtension<OodLensTestApi>(EXTENSION_ID);
    assert.ok(found);
    api = await found.activate();
  });

  async function runNode(runDir: string, accept: (node: Extract<RunsTreeNode, { kind: 'run' }>) => boolean = () => true): Promise<Extract<RunsTreeNode, { kind: 'run' }>> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const runs = (await api.runsTree.getChildren()) ?? [];
      const run = runs.find((node): node is Extract<RunsTreeNode, { kind: 'run' }> => node.kind === 'run' && node.summary.runDir === runDir);
      if (run && accept(run)) return run;
      if (Date.now() > deadline) throw new Error(`the tree does not show ${runDir} as expected; it lists ${JSON.stringify(runs.map((node) => (node.kind === 'run' ? [node.summary.id, node.summary.status] : node.kind)))}`);
      await nextEvent(api.onDidChangeRuns, () => true, 20_000, 'the run store watcher').catch(() => undefined);
    }
  }

  it('trains with LogitNorm in a child process; the run and its checkpoint appear in the tree; the extension host stays responsive', async function () {
    this.timeout(180_000);
    // The extension host's event loop, sampled every 25 ms while the job trains: a training step
    // in this process would show up as a gap of seconds.
    let maxGap = 0;
    let last = Date.now();
    const probe = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last - 25);
      last = now;
    }, 25);
    const started = Date.now();
    let outcome: JobOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<JobOutcome>('oodLens.trainLogitNorm', { dataset: 'mnist', architecture: 'mlp', epochs: 1 });
    } finally {
      clearInterval(probe);
    }
    assert.ok(outcome, 'the command returns the job outcome');
    assert.equal(outcome.status, 'done', `the job failed: ${outcome.errorMessage}`);
    assert.ok(outcome.runDir, 'the started event named the run folder');
    assert.equal(outcome.checkpoints.length, 1);
    trainedRunDir = outcome.runDir;
    const runJson = JSON.parse(await fs.readFile(path.join(trainedRunDir, 'run.json'), 'utf8')) as { status: string; config: { limit: number; arch: string } };
    assert.equal(runJson.status, 'done');
    assert.equal(runJson.config.limit, 500, 'the settings reached the CLI');
    assert.equal(runJson.config.arch, 'mlp');
    const run = await runNode(trainedRunDir, (node) => node.summary.status === 'done' && node.checkpoints.length === 1);
    const item = await api.runsTree.getTreeItem(run);
    assert.match(String(item.description), /^LogitNorm tau=0\.04 · mlp · mnist · best \d+\.\d\d%$/);
    const [checkpoint] = (await api.runsTree.getChildren(run)) ?? [];
    const checkpointItem = await api.runsTree.getTreeItem(checkpoint);
    assert.equal(checkpointItem.label, 'epoch 1');
    assert.match(String(checkpointItem.description), /^test acc \d+\.\d\d%$/);
    assert.ok(maxGap < 1000, `the extension host's event loop stalled for ${maxGap} ms while training`);
    if (this.test) this.test.title += ` [job ${((Date.now() - started) / 1000).toFixed(1)} s, longest event-loop stall ${maxGap} ms]`;
  });

  it('evaluates the checkpoint: rows per scorer x OOD set with FPR95 and AUROC, and the panel draws every histogram', async function () {
    this.timeout(180_000);
    assert.ok(trainedRunDir, 'the training test ran');
    const checkpointDir = path.join(trainedRunDir, 'checkpoints', 'epoch-1');
    const drawn = nextEvent(api.onDidRenderHistograms, (report) => report.evaluationFile.startsWith(trainedRunDir), 150_000, 'the evaluation panel to draw');
    const outcome = await vscode.commands.executeCommand<JobOutcome>('oodLens.evaluate', vscode.Uri.file(checkpointDir), { oodSets: ['gaussian', 'uniform'], scorers: ['msp', 'energy'] });
    assert.ok(outcome);
    assert.equal(outcome.status, 'done', `the job failed: ${outcome.errorMessage}`);
    assert.equal(outcome.evaluationFiles.length, 1);
    const run = await runNode(trainedRunDir, (node) => node.evaluations.length === 1);
    const [checkpoint] = (await api.runsTree.getChildren(run)) ?? [];
    const [evaluation] = (await api.runsTree.getChildren(checkpoint)) ?? [];
    assert.equal(evaluation.kind, 'evaluation');
    const rows = (await api.runsTree.getChildren(evaluation)) ?? [];
    const items = await Promise.all(rows.map((row) => api.runsTree.getTreeItem(row)));
    assert.deepEqual(items.map((row) => row.label).sort(), ['energy vs gaussian', 'energy vs uniform', 'msp vs gaussian', 'msp vs uniform']);
    for (const row of items) {
      assert.match(String(row.description), /^FPR95 \d+\.\d\d% · AUROC \d+\.\d\d%$/);
      const tooltip = row.tooltip instanceof vscode.MarkdownString ? row.tooltip.value : String(row.tooltip);
      for (const metric of ['FPR95', 'AUROC', 'AUPR-In', 'AUPR-Out', 'ECE']) assert.ok(tooltip.includes(metric), `the tooltip shows ${metric}`);
    }
    const report = await drawn;
    assert.equal(report.canvasCount, 4, 'one histogram per scorer x OOD set');
    assert.equal(report.paintedCanvasCount, 4, 'every histogram canvas has drawn pixels');
  });

  it('Cancel Job stops a training child; its run is marked cancelled on disk and in the tree; meanwhile its dashboard got batch progress at most ~5 times a second', async function () {
    this.timeout(180_000);
    // The dashboard opens when the job starts; every batch progress posted to it is recorded.
    const posted: Array<{ runDir: string; at: number; step?: number; totalSteps?: number; loss?: number; ended: boolean }> = [];
    const postSubscription = api.onDidPostProgress(({ runDir, progress }) => {
      posted.push({ runDir, at: Date.now(), step: progress?.step, totalSteps: progress?.totalSteps, loss: progress?.loss, ended: progress === null });
    });
    const started = nextEvent(api.onDidReceiveJobEvent, ({ event }) => event.type === 'started', 120_000, 'the training job to start');
    const finished = vscode.commands.executeCommand<JobOutcome>('oodLens.trainCrossEntropy', { dataset: 'mnist', architecture: 'mlp', epochs: 200 });
    const startedEvent = (await started).event;
    assert.equal(startedEvent.type, 'started');
    const runDir = startedEvent.type === 'started' ? startedEvent.runDir : '';
    // Three posts of batch progress to the run's dashboard (the engine reports every ~500 ms).
    const deadline = Date.now() + 90_000;
    while (posted.filter((post) => post.runDir === runDir && !post.ended).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const live = posted.filter((post) => post.runDir === runDir && !post.ended);
    assert.ok(live.length >= 3, `the dashboard got ${live.length} batch progress messages`);
    for (const post of live) {
      assert.ok(post.totalSteps === 4 && post.step !== undefined && post.step >= 1 && post.step <= 4, `step ${post.step}/${post.totalSteps}: 500 images in batches of 128 are 4 steps`);
      assert.ok(typeof post.loss === 'number' && Number.isFinite(post.loss));
    }
    const gaps = live.slice(1).map((post, index) => post.at - live[index].at);
    assert.ok(gaps.every((gap) => gap >= 190), `posts at most every 200 ms: gaps ${gaps.join(', ')} ms`);
    assert.equal(api.jobs().length, 1);
    await vscode.commands.executeCommand('oodLens.cancelJob');
    const outcome = await finished;
    postSubscription.dispose();
    assert.equal(posted.filter((post) => post.runDir === runDir).at(-1)?.ended, true, 'the bar is taken away when the job ends');
    assert.ok(outcome?.runDir);
    assert.equal(outcome.status, 'cancelled', `exit code ${outcome.exitCode}: ${outcome.errorMessage}`);
    // 130: the engine stopped at the next batch on SIGTERM; SIGKILL: it did not within the grace
    // period (its training loop may not yield to the event loop) and the runner marked the run.
    assert.ok(outcome.exitCode === 130 || outcome.signal === 'SIGKILL', `exit code ${outcome.exitCode}, signal ${outcome.signal}`);
    if (this.test) this.test.title += ` [${outcome.exitCode === 130 ? 'stopped on SIGTERM, exit 130' : 'killed after the grace period'}]`;
    const runJson = JSON.parse(await fs.readFile(path.join(outcome.runDir, 'run.json'), 'utf8')) as { status: string };
    assert.equal(runJson.status, 'cancelled');
    const run = await runNode(outcome.runDir, (node) => node.summary.status === 'cancelled');
    assert.match(String((await api.runsTree.getTreeItem(run)).description), /cancelled/);
    assert.deepEqual(api.jobs(), []);
  });

  it('Delete Run refuses a run that a running job trains or a queued job will evaluate; both folders stay', async function () {
    this.timeout(180_000);
    assert.ok(trainedRunDir, 'the training test ran');
    const started = nextEvent(api.onDidReceiveJobEvent, ({ event }) => event.type === 'started', 120_000, 'the training job to start');
    const training = vscode.commands.executeCommand<JobOutcome>('oodLens.trainCrossEntropy', { dataset: 'mnist', architecture: 'mlp', epochs: 200 });
    const startedEvent = (await started).event;
    const trainingRunDir = startedEvent.type === 'started' ? startedEvent.runDir : '';
    assert.ok(trainingRunDir, 'the started event names the new run folder');
    // An evaluation of the earlier run waits behind the training.
    const evaluation = vscode.commands.executeCommand<JobOutcome>('oodLens.evaluate', vscode.Uri.file(path.join(trainedRunDir, 'checkpoints', 'epoch-1')), { oodSets: ['gaussian'], scorers: ['msp'] });
    const deadline = Date.now() + 10_000;
    while (api.jobs().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const [running, queued] = api.jobs();
    assert.equal(running?.state, 'running');
    assert.equal(queued?.state, 'queued');
    assert.equal(running.runDir, trainingRunDir, 'the running job knows its run folder from its started event');
    assert.equal(queued.runDir, trainedRunDir, 'the queued evaluation knows its run folder before it starts');
    assert.equal(await vscode.commands.executeCommand<boolean>('oodLens.deleteRun', vscode.Uri.file(trainingRunDir)), false, 'the training run is refused');
    assert.equal(await vscode.commands.executeCommand<boolean>('oodLens.deleteRun', vscode.Uri.file(trainedRunDir)), false, 'the run a queued job evaluates is refused');
    await fs.access(path.join(trainingRunDir, 'run.json'));
    await fs.access(path.join(trainedRunDir, 'run.json'));
    await vscode.commands.executeCommand('oodLens.cancelJob', queued.id);
    await vscode.commands.executeCommand('oodLens.cancelJob', running.id);
    const [trainingOutcome, evaluationOutcome] = await Promise.all([training, evaluation]);
    assert.equal(evaluationOutcome?.status, 'cancelled', 'the queued evaluation was cancelled before it started');
    assert.equal(trainingOutcome?.status, 'cancelled');
    assert.deepEqual(api.jobs(), []);
  });

  it('queues a second job behind the first and runs them one after the other', async function () {
    this.timeout(240_000);
    const order: string[] = [];
    const subscription = api.onDidReceiveJobEvent(({ jobId, event }) => {
      if (event.type === 'started' || event.type === 'finished') order.push(`${event.type} ${jobId}`);
    });
    try {
      const first = vscode.commands.executeCommand<JobOutcome>('oodLens.trainCrossEntropy', { dataset: 'mnist', architecture: 'mlp', epochs: 1 });
      const second = vscode.commands.executeCommand<JobOutcome>('oodLens.trainLogitNorm', { dataset: 'mnist', architecture: 'mlp', epochs: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(api.jobs().map((job) => job.state), ['running', 'queued']);
      const [firstOutcome, secondOutcome] = await Promise.all([first, second]);
      assert.equal(firstOutcome?.status, 'done', firstOutcome?.errorMessage);
      assert.equal(secondOutcome?.status, 'done', secondOutcome?.errorMessage);
      const firstId = firstOutcome.id;
      const secondId = secondOutcome.id;
      assert.deepEqual(order, [`started ${firstId}`, `finished ${firstId}`, `started ${secondId}`, `finished ${secondId}`]);
    } finally {
      subscription.dispose();
    }
  });
  let sweepRunDirs: string[] = [];

  it('Sweep tau trains one LogitNorm run per tau and evaluates its last checkpoint; the sweep panel plots both points', async function () {
    this.timeout(300_000);
    const drawn = nextEvent(api.onDidRenderSweep, (report) => report.pointCount === 2 && report.paintedPixels > 0, 280_000, 'the sweep chart with two points');
    const result = await vscode.commands.executeCommand<{ sweepFile: string; record: SweepRecord }>('oodLens.sweepTau', {
      taus: [0.05, 0.02], dataset: 'mnist', architecture: 'mlp', epochs: 1, limit: 300, oodSets: ['gaussian'], scorers: ['msp'],
    });
    assert.ok(result, 'the command returns the sweep');
    const { sweepFile, record } = result;
    assert.equal(record.status, 'done');
    assert.deepEqual(record.points.map((point) => [point.tau, point.status]), [[0.02, 'done'], [0.05, 'done']], 'taus in increasing order, each trained and evaluated');
    const onDisk = JSON.parse(await fs.readFile(sweepFile, 'utf8')) as SweepRecord;
    assert.deepEqual(onDisk.points, record.points, 'the record on disk is the last state');
    assert.equal(path.dirname(sweepFile), path.join(workspaceFolderPath(), '.oodlens', 'runs', '.sweeps'));
    for (const point of record.points) {
      assert.ok(point.runDir && point.evaluationFile);
      const runJson = JSON.parse(await fs.readFile(path.join(point.runDir, 'run.json'), 'utf8')) as { status: string; config: { loss: string; tau: number; limit: number; epochs: number } };
      assert.equal(runJson.status, 'done');
      assert.deepEqual([runJson.config.loss, runJson.config.tau, runJson.config.limit, runJson.config.epochs], ['logitnorm', point.tau, 300, 1]);
      const evaluation = JSON.parse(await fs.readFile(point.evaluationFile, 'utf8')) as EvaluationResult;
      assert.equal(evaluation.checkpoint.epoch, 1, 'the last checkpoint was evaluated');
      assert.deepEqual(evaluation.results.map((row) => `${row.scorer} ${row.oodSet}`), ['msp gaussian']);
    }
    const report = await drawn;
    assert.equal(report.sweepFile, sweepFile);
    assert.ok(openWebviewTabLabels().some((label) => label.includes(path.basename(sweepFile, '.json'))), `tabs: ${openWebviewTabLabels().join(', ')}`);
    sweepRunDirs = record.points.map((point) => point.runDir ?? '');
  });

  it('Compare Runs shows the two sweep runs side by side: one row per scorer x OOD set plus accuracy and ECE, the better value marked', async function () {
    this.timeout(60_000);
    assert.equal(sweepRunDirs.length, 2, 'the sweep test ran');
    const evaluations = await Promise.all(sweepRunDirs.map(async (runDir) => {
      const [name] = await fs.readdir(path.join(runDir, 'evaluations'));
      return JSON.parse(await fs.readFile(path.join(runDir, 'evaluations', name), 'utf8')) as EvaluationResult;
    }));
    // Worked out here from the files: per metric, one mark for each run holding the better value, none on a tie.
    const marks = (values: number[], lowerIsBetter: boolean) => {
      const best = lowerIsBetter ? Math.min(...values) : Math.max(...values);
      const holders = values.filter((value) => value === best).length;
      return holders === values.length ? 0 : holders;
    };
    const [a, b] = evaluations.map((evaluation) => evaluation.results[0]);
    const expectedMarks = marks([a.fpr95, b.fpr95], true) + marks([a.auroc, b.auroc], false) + marks([a.auprIn, b.auprIn], false) + marks([a.auprOut, b.auprOut], false)
      + marks(evaluations.map((evaluation) => evaluation.idAccuracy), false) + marks(evaluations.map((evaluation) => evaluation.calibration.ece), true)
      + marks(evaluations.map((evaluation) => evaluation.calibration.eceTemperatureScaled), true);
    const drawn = nextEvent(api.onDidRenderCompare, (report) => report.runDirs.join() === sweepRunDirs.join(), 30_000, 'the compare table');
    const compared = await vscode.commands.executeCommand<string[]>('oodLens.compareRuns', sweepRunDirs.map((runDir) => vscode.Uri.file(runDir)));
    assert.deepEqual(compared, sweepRunDirs);
    const report = await drawn;
    assert.equal(report.rowCount, 1 + 3, 'msp vs gaussian, then ID accuracy, ECE, ECE after temperature scaling');
    assert.equal(report.markedCount, expectedMarks);
    assert.ok(openWebviewTabLabels().some((label) => label.startsWith('OOD Lens: compare')), `tabs: ${openWebviewTabLabels().join(', ')}`);
  });

  it('Export Report writes the paper\'s tables of a run to a file (Markdown and CSV)', async function () {
    this.timeout(60_000);
    assert.ok(trainedRunDir, 'the training test ran');
    const markdownFile = path.join(workspaceFolderPath(), 'report.md');
    const written = await vscode.commands.executeCommand<string>('oodLens.exportReport', vscode.Uri.file(trainedRunDir), { format: 'md', file: markdownFile });
    assert.equal(written, markdownFile);
    const markdown = await fs.readFile(markdownFile, 'utf8');
    for (const header of [
      '### Table 1: OOD detection per OOD set, scorer msp',
      '| OOD set | configuration | FPR95 (%) | AUROC (%) | AUPR-In (%) | AUPR-Out (%) |',
      '### Table 2: scorers, averaged over OOD sets',
      '| configuration | accuracy (%) | ECE (%) | ECE with TS (%) | T |',
    ]) assert.ok(markdown.includes(header), `the report has ${header}:\n${markdown}`);
    assert.match(markdown, /\| gaussian \| mnist mlp logitnorm \(tau 0\.04\) \| \d+\.\d\d \|/);
    const csvFile = path.join(workspaceFolderPath(), 'report.csv');
    await vscode.commands.executeCommand('oodLens.exportReport', vscode.Uri.file(trainedRunDir), { format: 'csv', file: csvFile });
    const csv = (await fs.readFile(csvFile, 'utf8')).split('\n');
    assert.equal(csv[0], 'table,label,metric,mean,std,n');
    assert.ok(csv.some((line) => line.startsWith('table1,gaussian / mnist mlp logitnorm (tau 0.04),FPR95,')), csv.slice(0, 5).join('\n'));
  });

  it('Sweep tau: cancelling its running job ends the sweep, and the taus after it never start', async function () {
    this.timeout(180_000);
    const runsRoot = path.join(workspaceFolderPath(), '.oodlens', 'runs');
    const runsBefore = new Set(await fs.readdir(runsRoot));
    // The sweep is one job (ood-lens sweep); its first tau's training reports progress as a train job does.
    const firstStep = nextEvent(api.onDidReceiveJobEvent, ({ kind, event }) => kind === 'sweep' && event.type === 'progress' && event.job === 'train', 120_000, 'the first training step of the sweep');
    const finished = vscode.commands.executeCommand<{ sweepFile: string; record: SweepRecord }>('oodLens.sweepTau', {
      taus: [0.01, 0.03, 0.06], dataset: 'mnist', architecture: 'mlp', epochs: 200, limit: 300, oodSets: ['gaussian'], scorers: ['msp'],
    });
    await firstStep;
    assert.equal(api.jobs().length, 1, 'the sweep is one job');
    await vscode.commands.executeCommand('oodLens.cancelJob');
    const result = await finished;
    assert.ok(result);
    assert.equal(result.record.status, 'cancelled');
    assert.deepEqual(result.record.points.map((point) => point.status), ['cancelled', 'cancelled', 'cancelled']);
    assert.ok(result.record.points[0].runDir, 'the first tau started its run');
    assert.equal(result.record.points[1].runDir, undefined);
    const created = (await fs.readdir(runsRoot)).filter((name) => !runsBefore.has(name));
    assert.deepEqual(created, [path.basename(result.record.points[0].runDir)], 'only the first tau made a run folder');
    assert.deepEqual(api.jobs(), []);
  });
});
