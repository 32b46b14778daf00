// `sysight generate` as a subprocess (after `npm run build`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../../bin/sysight.js');
const dir = mkdtempSync(join(tmpdir(), 'sysight-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('sysight generate', () => {
  it('writes a preset profile and reports it as JSON', async () => {
    const out = join(dir, 'sync.sqlite');
    const r = run('generate', '--preset', 'sync-bound', '--iterations', '3', '--out', out, '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info).toMatchObject({ out, scenario: 'sync-bound', processes: 1 });
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(out));
    expect(db.exec('SELECT count(*) FROM NVTX_EVENTS WHERE text LIKE \'step %\'')[0]!.values[0]![0]).toBe(3);
    db.close();
  });

  it('reads a YAML scenario', () => {
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'name: tiny\niterations: {count: 2}\nstep:\n  - {type: kernel, name: k, durationUs: 5, count: 3}\n');
    const r = run('generate', file, '--out', join(dir, 'tiny.sqlite'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote .*tiny\.sqlite: \d+ rows/);
  });

  it('rejects bad input with one line and exit code 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"iterations": {"count": 1}, "step": [{"type": "kernel"}]}');
    for (const args of [['--preset', 'nope', '--out', join(dir, 'x.sqlite')], [bad, '--out', join(dir, 'x.sqlite')],
      [join(dir, 'missing.json'), '--out', join(dir, 'x.sqlite')], ['--preset', 'healthy']]) {
      const r = run('generate', ...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^sysight: error: /);
    }
  });
});
