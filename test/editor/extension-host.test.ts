// Runs test/vscode/suite (a VS Code test index exporting run()) inside code-server's real extension host:
// code-server started with `--vscode-option enable-smoke-test-driver`, the workbench opened with a
// payload naming the extension (this checkout) and the compiled test index; the exit code comes back
// through codeAutomationExit (../shared/vscode.md). Skips without code-server.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasChromium, launch } from '../support/chromium.js';
import { hasCodeServer, makeSandbox, startCodeServer, type Running, type Sandbox } from '../support/code-server.js';
import { buildSuite } from '../support/build-suite.js';

const root = process.cwd();
const built = existsSync(join(root, 'dist', 'extension.js'));

describe.skipIf(!hasCodeServer || !hasChromium || !built)('extension-host suite in code-server', () => {
  let sb: Sandbox | undefined;
  let server: Running | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    sb?.cleanup();
  });

  it('passes every case of the suite', async () => {
    sb = makeSandbox(join(root, 'test', 'fixtures', 'workspace'));
    const index = await buildSuite(sb.dir);
    const resultFile = join(sb.dir, 'ext-results.json');
    sb.env.SYSIGHT_EXT_TEST_OUT = resultFile;
    server = await startCodeServer(sb, ['--vscode-option', 'enable-smoke-test-driver']);
    browser = await launch();
    const page = await browser.context.newPage();
    const logs: string[] = [];
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => { resolveExit = r; });
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => logs.push(`${type} ${JSON.stringify(args)}`));
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    const payload = [['extensionDevelopmentPath', remote(root)], ['extensionTestsPath', remote(index)], ['skipWelcome', 'true']];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(sb.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([exited, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`no exit code in 120 s; logs:\n${logs.slice(-30).join('\n')}`)), 120_000))]);
    const results = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) as Array<{ name: string; ok: boolean; error?: string }> : [];
    const failed = results.filter((r) => !r.ok);
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(results.length).toBe(11);
    expect(code).toBe(0);
  }, 180_000);
});
