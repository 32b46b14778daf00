// `sysight cache ls|clear [--json]`: the per-user profile cache (SYSIGHT_CACHE; see src/profile/cache).
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { clearCache, listEntries, resolveCacheSettings } from '../../profile/cache/index.js';
import type { CacheSettings } from '../../profile/cache/index.js';

function settingsOrExplain(json: boolean): CacheSettings | undefined {
  const settings = resolveCacheSettings();
  if (!settings) {
    if (json) process.stdout.write(`${JSON.stringify({ enabled: false, entries: [] })}\n`);
    else process.stdout.write('the profile cache is off (SYSIGHT_CACHE=off)\n');
  }
  return settings;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

export function register(program: Command): void {
  const cache = program.command('cache').description('the profile cache: list or clear the cached copies of opened profiles');
  cache
    .command('ls')
    .description('list cached profiles, most recently used first (folder: SYSIGHT_CACHE or the per-user cache folder)')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const settings = settingsOrExplain(Boolean(opts.json));
      if (!settings) return;
      const entries = listEntries(settings.dir);
      const total = entries.reduce((n, e) => n + e.bytes, 0);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({
          enabled: true, dir: settings.dir, maxBytes: settings.maxBytes, bytes: total,
          entries: entries.map((e) => ({
            key: e.key, bytes: e.bytes, lastUsed: new Date(e.lastUsedMs).toISOString(),
            ...(e.manifest ? { profile: e.manifest.profile.path, format: e.manifest.meta.format, profileBytes: e.manifest.profile.size } : {}),
            ...(e.damaged ? { damaged: e.damaged } : {}),
          })),
        })}\n`);
        return;
      }
      process.stdout.write(`${settings.dir}: ${entries.length} cached profile(s), ${mb(total)} of ${mb(settings.maxBytes)}\n`);
      for (const e of entries) {
        const what = e.manifest ? `${e.manifest.profile.path} (${e.manifest.meta.format}, ${mb(e.manifest.profile.size)})` : `damaged: ${e.damaged}`;
        process.stdout.write(`  ${new Date(e.lastUsedMs).toISOString().slice(0, 19).replace('T', ' ')}  ${mb(e.bytes).padStart(10)}  ${what}\n`);
      }
    });
  cache
    .command('clear')
    .description('remove every cached profile')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const settings = settingsOrExplain(Boolean(opts.json));
      if (!settings) return;
      const { entries, bytes } = clearCache(settings.dir);
      if (opts.json) process.stdout.write(`${JSON.stringify({ dir: settings.dir, removed: entries, bytes })}\n`);
      else process.stdout.write(`removed ${entries} cached profile(s), ${mb(bytes)}, from ${settings.dir}\n`);
    });
  cache.on('command:*', (operands: string[]) => {
    throw new UserError(`unknown cache command "${operands[0]}": valid commands are ls, clear`);
  });
}
