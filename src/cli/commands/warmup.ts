// `sysight warmup <repo>`: entry command, training/inference loops and hot path of a repo; writes
// <repo>/.sysight/setup.json (Sysight's own folder; nothing else in the repo is touched).
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import type { RepoSetup } from '../../core/run.js';
import { runCatalogue, scanRepo, writeSetup, type CatalogueMatch } from '../../source/index.js';
import { cliSignal } from '../signal.js';

export function register(program: Command): void {
  program
    .command('warmup')
    .description('scan a repo: entry command, training/inference loop, hot path; writes .sysight/setup.json')
    .argument('<repo>', 'path to the code repository')
    .option('--json', 'print the RepoSetup as JSON')
    .option('--patterns', 'also list the anti-pattern catalogue matches (in their scope)')
    .action(async (repo: string, opts: { json?: boolean; patterns?: boolean }) => {
      const scan = await scanRepo(repo, { signal: cliSignal() });
      try {
        const { setup } = scan;
        if (setup.pythonFiles === 0) throw new UserError(`no Python files in ${setup.repo}: nothing to warm up`);
        const matches = opts.patterns ? runCatalogue(scan, { signal: cliSignal() }) : null;
        const path = writeSetup(setup.repo, setup);
        if (opts.json) {
          process.stdout.write(JSON.stringify(matches ? { setup, matches } : setup, null, 2) + '\n');
          process.stderr.write(`wrote ${path}\n`);
        } else {
          process.stdout.write(formatSetup(setup, matches) + `\nwrote ${path}\n`);
        }
      } finally {
        scan.index.dispose();
      }
    });
}

export function formatSetup(s: RepoSetup, matches: CatalogueMatch[] | null): string {
  const out: string[] = [];
  out.push(`repo     ${s.repo} (${s.pythonFiles} Python file${s.pythonFiles === 1 ? '' : 's'})`);
  out.push(`entry    ${s.entryCommand ? s.entryCommand.join(' ') : '(none found)'}`);
  if (s.entryReason) out.push(`         why: ${s.entryReason}`);
  const others = (s.entryCandidates ?? []).slice(1, 4);
  if (others.length) out.push(`         other candidates: ${others.map((c) => `${c.command.join(' ')} [${c.score}]`).join('; ')}`);
  out.push('', `loops (${s.loops.length})`);
  for (const l of s.loops) {
    out.push(`  ${l.hot ? '*' : ' '} ${l.kind.padEnd(9)} ${l.file}:${l.line}-${l.endLine} in ${l.function}  ${l.signals?.length ? '(' + l.signals.join(', ') + ')' : ''}`);
  }
  if (s.loops.some((l) => l.hot)) out.push('    (* = on the hot path)');
  out.push('', `hot path (${s.hotFunctions.length} function${s.hotFunctions.length === 1 ? '' : 's'})`);
  for (const f of s.hotFunctions) out.push(`  ${f}${s.hotReasons?.[f] ? '  — ' + s.hotReasons[f] : ''}`);
  if (matches) {
    out.push('', `catalogue matches (${matches.length})`);
    for (const m of matches) out.push(`  ${m.patternId.padEnd(26)} ${m.file}:${m.line} ${m.function}${m.inHotPath ? ' [hot]' : ''}${m.inLoop ? ' [loop]' : ''}  ${m.text}`);
  }
  if (s.notes.length) {
    out.push('', 'notes');
    for (const n of s.notes) out.push(`  - ${n}`);
  }
  return out.join('\n');
}
