// package.json and the code agree: every contributed command is registered, every menu entry names a
// contributed command, tree menus match the ItemKind enum, the walkthrough media exist.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const code = readdirSync(join(root, 'src/extension')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => readFileSync(join(root, 'src/extension', f), 'utf8')).join('\n');

describe('extension manifest', () => {
  const commands: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);

  it('contributes the commands the issue asks for, each registered in code', () => {
    const titles = pkg.contributes.commands.map((c: { title: string }) => c.title);
    for (const t of ['Analyze Profile', 'Run Closed Loop', 'Optimize Findings', 'Accept Patch', 'Reject Patch', 'Show Report', 'Open Knowledge Base', 'Set API Key', 'Cancel']) {
      expect(titles).toContain(t);
    }
    for (const c of commands) expect(code, c).toContain(`reg('${c}'`);
  });

  it('names only contributed commands in menus, and tree menus use ItemKind values', () => {
    const kinds = [...code.matchAll(/= '(sysight\.(?:run|round|finding|patch\.\w+|problem))'/g)].map((m) => m[1]);
    expect(kinds).toEqual(expect.arrayContaining(['sysight.run', 'sysight.finding', 'sysight.patch.accepted']));
    for (const [menu, entries] of Object.entries(pkg.contributes.menus) as Array<[string, Array<{ command: string; when?: string }>]>) {
      for (const e of entries) {
        expect(commands, `${menu}: ${e.command}`).toContain(e.command);
        for (const m of (e.when ?? '').matchAll(/viewItem == ([\w.]+)/g)) expect(kinds, e.when).toContain(m[1]);
      }
    }
  });

  it('keeps activation minimal and the custom editor read-only for profile files', () => {
    expect(pkg.main).toBe('./dist/extension.js');
    expect(pkg.activationEvents).not.toContain('*');
    expect(pkg.activationEvents).not.toContain('onStartupFinished');
    expect(pkg.activationEvents).toEqual(expect.arrayContaining(['onCustomEditor:sysight.profile', 'workspaceContains:.sysight']));
    const patterns = pkg.contributes.customEditors.flatMap((e: { selector: Array<{ filenamePattern: string }> }) => e.selector.map((s) => s.filenamePattern));
    expect(patterns).toEqual(expect.arrayContaining(['*.sqlite', '*.nsys-rep.sqlite', '*.pt.trace.json', '*.json.gz', '*.json']));
    const json = pkg.contributes.customEditors.find((e: { selector: Array<{ filenamePattern: string }> }) => e.selector.some((s) => s.filenamePattern === '*.json'));
    expect(json.priority).toBe('option');
    expect(pkg.capabilities.untrustedWorkspaces.supported).toBe('limited');
    for (const s of Object.keys(pkg.contributes.configuration.properties)) expect(code).toContain(`'${s.replace('sysight.', '')}'`);
    for (const id of pkg.contributes.colors.map((c: { id: string }) => c.id)) expect(code).toContain(`'${id}'`);
  });

  it('ships the walkthrough media and the view icon', () => {
    for (const step of pkg.contributes.walkthroughs[0].steps) expect(existsSync(join(root, step.media.markdown)), step.media.markdown).toBe(true);
    expect(existsSync(join(root, pkg.contributes.viewsContainers.activitybar[0].icon))).toBe(true);
  });
});
