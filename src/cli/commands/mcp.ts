// `sysight mcp`: serve the engine to coding agents over MCP on stdio.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { serveMcp } from '../../mcp/server.js';

export function register(program: Command): void {
  program
    .command('mcp')
    .description('serve analyze, optimize, the profile queries and the source tools over MCP (stdio)')
    .option('--repo <dir>', 'repository the source tools read by default', '.')
    .action(async (o: { repo: string }) => {
      await serveMcp({ repo: resolve(o.repo), version: program.version() ?? '0.0.0' });
    });
}
