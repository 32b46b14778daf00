// The same extension-host suite (test/vscode/suite) under @vscode/test-electron, for machines that have a
// VS Code build: set SYSIGHT_VSCODE_EXECUTABLE to its executable. Skipped otherwise, and skipped when
// @vscode/test-electron is not installed (it is not a dependency here: it downloads VS Code by default,
// which cannot work offline). The real-editor tests in test/editor run in code-server either way.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox } from '../support/code-server.js';
import { buildSuite } from '../support/build-suite.js';

interface TestElectron {
  runTests(o: { vscodeExecutablePath: string; extensionDevelopmentPath: string; extensionTestsPath: string; launchArgs: string[]; extensionTestsEnv?: Record<string, string> }): Promise<number>;
}

const executable = process.env.SYSIGHT_VSCODE_EXECUTABLE;
function testElectron(): TestElectron | null {
  try {
    return createRequire(import.meta.url)('@vscode/test-electron') as TestElectron;
  } catch {
    return null;
  }
}
const te = executable ? testElectron() : null;

describe.skipIf(!executable || !te)('extension-host suite under @vscode/test-electron (SYSIGHT_VSCODE_EXECUTABLE)', () => {
  it('passes every case of the suite', async () => {
    expect(existsSync(executable!), `SYSIGHT_VSCODE_EXECUTABLE=${executable} does not exist`).toBe(true);
    const sb = makeSandbox(join(process.cwd(), 'test', 'fixtures', 'workspace'));
    try {
      const out = join(sb.dir, 'ext-results.json');
      const code = await te!.runTests({
        vscodeExecutablePath: executable!,
        extensionDevelopmentPath: process.cwd(),
        extensionTestsPath: await buildSuite(sb.dir),
        launchArgs: [sb.workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(sb.dir, 'ud'), '--extensions-dir', join(sb.dir, 'exts')],
        extensionTestsEnv: { SYSIGHT_EXT_TEST_OUT: out },
      });
      const results = JSON.parse(readFileSync(out, 'utf8')) as Array<{ ok: boolean }>;
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(code).toBe(0);
    } finally {
      sb.cleanup();
    }
  }, 300_000);
});
