// Optimize on ONE finding, from its CodeLens, in a real VS Code (code-server + packaged .vsix): the extension runs
// `sysight optimize <run> --findings <that id>` and only that finding is tried — the other findings of the run are
// left alone (the bug this pins: every finding used to be optimized). The fixture's patterns have no codemod and no
// LLM is configured, so the one trial is a quick "skipped" record; what is asserted is which finding reached it.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/run.js';
import { artifactsDir } from '../support/chromium.js';
import { git } from '../support/sandbox-fixtures.js';
import { canDriveEditor, DASHBOARD_BUNDLES, quickOpen, useWorkbench } from '../support/workbench-ui.js';

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch']).status === 0);
const C3 = 'C3:train.py:train:item-in-loop';

describe.skipIf(!canDriveEditor(...DASHBOARD_BUNDLES) || !python)('Optimize one finding from its CodeLens', () => {
  const ws = useWorkbench({
    settings: { 'sysight.pythonPath': python, 'sysight.runs': 2 },
    prepare: (sb) => {
      // optimize sandboxes patches in git worktrees: the workspace is a clean git work tree
      writeFileSync(join(sb.workspace, '.gitignore'), '.sysight/\n');
      for (const a of [['init', '-q', '-b', 'main'], ['add', '.'], ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'fixture']]) git(sb.workspace, ...a);
    },
  });
  const runFile = () => join(ws.sb.workspace, '.sysight', 'runs', 'r1-demo', 'run.json');
  const record = () => JSON.parse(readFileSync(runFile(), 'utf8')) as RunRecord;

  it('tries only the finding whose CodeLens was clicked', async () => {
    const { page } = ws;
    const before = record();
    expect(new Set(before.rounds.flatMap((r) => r.trials.map((t) => t.findingId))).size).toBeGreaterThan(1);
    await quickOpen(page, 'train.py');
    const lens = page.locator('.codelens-decoration', { hasText: 'C3 Synchronization' });
    await lens.waitFor({ timeout: 30_000 });
    await lens.locator('a', { hasText: /^Optimize$/ }).click();
    await expect.poll(() => record().rounds.length, { timeout: 120_000 }).toBe(before.rounds.length + 1);
    await page.screenshot({ path: join(artifactsDir(), 'editor-optimize-one.png') });
    const added = record().rounds.at(-1)!;
    expect(added.trials.map((t) => t.findingId)).toEqual([C3]);
    expect(added.findings).toBe(1);
  }, 180_000);
});
