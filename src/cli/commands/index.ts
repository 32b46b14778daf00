// Every CLI command, registered in this order. Add one line per command module.
import type { Command } from 'commander';
import { register as cache } from './cache.js';
import { register as diff } from './diff.js';
import { register as exportTables } from './export.js';
import { register as generate } from './generate.js';
import { register as loop } from './loop.js';
import { register as mcp } from './mcp.js';
import { register as profile } from './profile.js';
import { register as python } from './python.js';
import { register as ranks } from './ranks.js';
import { register as tool } from './tool.js';
import { register as warmup } from './warmup.js';

export type Register = (program: Command) => void;

export const COMMANDS: Register[] = [tool, profile, warmup, loop, generate, mcp, python, diff, ranks, cache, exportTables];
