/**
 * Entry point the VS Code extension host loads as `extensionTestsPath` (inside code-server, see
 * scripts/e2e/hostTests.mjs). It runs the mocha suites bundled with it, writes a summary JSON
 * for the harness, and rejects when a test failed so the host exits non-zero.
 */
import { promises as fs } from 'node:fs';
import Mocha from 'mocha';

/** Set by the harness at bundle time (esbuild `define`): where to write the summary. */
declare const OOD_LENS_E2E_RESULTS_FILE: string;

export interface HostTestSummary {
  passed: number;
  failed: number;
  failures: Array<{ title: string; error: string }>;
  passes: string[];
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The suites are bundled into this file: give them mocha's bdd functions, then load them.
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'bundled-suite', mocha);
  require('./extension.e2e');

  const summary: HostTestSummary = { passed: 0, failed: 0, failures: [], passes: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test: Mocha.Test) => {
      summary.passed += 1;
      summary.passes.push(test.fullTitle());
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Test, error: Error) => {
      summary.failed += 1;
      summary.failures.push({ title: test.fullTitle(), error: error?.stack ?? String(error) });
    });
  });
  await fs.writeFile(OOD_LENS_E2E_RESULTS_FILE, JSON.stringify(summary, null, 2));
  if (summary.failed > 0) throw new Error(`${summary.failed} extension-host test(s) failed`);
  // A suite that loaded no test (a renamed file, a bundling slip) must not pass as green.
  if (summary.passed === 0) throw new Error('the extension-host suite ran no test');
}
