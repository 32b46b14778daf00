// The bundled demo's recorded CPU trace, analyzed by the real CLI: the element-by-element batch in
// get_batch is the finding (line-level, from the sampled Python frames); GPU-only patterns stay unconfirmed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'sysight.js');
const DEMO = join(ROOT, 'examples', 'nanogpt');

describe('sysight analyze on the demo trace', () => {
  it('finds the element-by-element batch in get_batch and nothing the CPU profile cannot support', () => {
    const r = spawnSync(process.execPath, [CLI, 'analyze', join(DEMO, 'profiles', 'cpu_trace.json.gz'), '--repo', DEMO, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const set = JSON.parse(r.stdout);
    expect(set.gpu).toBe(false);
    expect(set.iterations).toBe(3);
    const top = set.findings[0];
    expect(top).toMatchObject({ category: 'C7', file: 'train.py', function: 'get_batch' });
    expect(top.impact.pctOfIter).toBeGreaterThan(10);
    expect(top.localizedBy).toBe('python-stack');
    expect(set.findings.some((f: { category: string }) => f.category === 'C3' || f.category === 'C4')).toBe(false);
    const trap = set.unconfirmed.find((f: { pattern: string; line: number }) => f.pattern === 'C3.item-sync');
    expect(trap).toBeDefined();
  });
});
