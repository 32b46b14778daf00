// Every CLI command, registered in this order. Add one line per command module.
import type { Command } from 'commander';
import { register as generate } from './generate.js';

export type Register = (program: Command) => void;

export const COMMANDS: Register[] = [generate];
