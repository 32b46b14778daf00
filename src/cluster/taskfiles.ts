// Files a map task leaves behind for whoever ran it, the same for every scheduler: a usage report written by
// the task's own Node process as it exits (peak RSS from process.resourceUsage(), which /proc cannot give
// once the process is gone) and the last line of its log as the reason for a failure.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Environment variable naming the file the preload writes the task's usage into. */
export const USAGE_ENV = 'SYSIGHT_TASK_USAGE';

// Loaded with `node --require` (through NODE_OPTIONS) into every Node task. Plain CommonJS, no dependencies.
const PRELOAD = `'use strict';
// written by sysight's map scheduler: reports this process's peak memory when it exits
process.on('exit', (code) => {
  const file = process.env.${USAGE_ENV};
  if (!file) return;
  try {
    const u = process.resourceUsage();
    const fs = require('node:fs');
    fs.mkdirSync(require('node:path').dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime, wallMs: Math.round(process.uptime() * 1000), exitCode: code }));
  } catch {}
});
`;

export interface TaskUsage {
  maxRssKiB: number;
  userUs: number;
  systemUs: number;
  wallMs: number;
  exitCode: number;
}

/** Writes the preload into `workDir` and returns its path. */
export function writeUsagePreload(workDir: string): string {
  mkdirSync(workDir, { recursive: true });
  const file = join(workDir, 'usage-preload.cjs');
  writeFileSync(file, PRELOAD);
  return file;
}

export function usagePath(workDir: string, index: number): string {
  return join(workDir, 'usage', `task-${index}.json`);
}

export function readUsage(file: string): TaskUsage | undefined {
  try {
    const u = JSON.parse(readFileSync(file, 'utf8')) as Partial<TaskUsage>;
    return typeof u.maxRssKiB === 'number' ? (u as TaskUsage) : undefined;
  } catch {
    return undefined;
  }
}

/** NODE_OPTIONS for a Node task: the usage preload and a heap limit, keeping what the caller already had. */
export function nodeOptions(preload: string, maxOldSpaceMb: number | undefined, base = process.env.NODE_OPTIONS ?? ''): string {
  const parts = [base.trim(), `--require "${preload}"`];
  if (maxOldSpaceMb) parts.push(`--max-old-space-size=${Math.floor(maxOldSpaceMb)}`);
  return parts.filter(Boolean).join(' ');
}

/** Peak resident set (VmHWM) of a live process, bytes; undefined when /proc does not have it. */
export function procPeakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The last non-empty line of a log file (reads at most its last 8 KB). */
export function lastLogLine(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, 8192);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    return lines.at(-1);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
