import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCaptureTrace } from './find-capture.js';

const root = mkdtempSync(join(tmpdir(), 'sysight-find-capture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: string[]): string {
  const d = join(root, name);
  mkdirSync(d);
  for (const f of files) writeFileSync(join(d, f), '{}');
  return d;
}

describe('findCaptureTrace', () => {
  it('takes the capture trace of the same rank beside the profile (Inductor cudagraph trees naming)', () => {
    const d = folder('xdit', ['xdit_flux_profile_rank_0.json.gz', 'xdit_flux_capture_rank_0.json.gz', 'xdit_flux_capture_rank_1.json.gz', 'notes.txt']);
    expect(findCaptureTrace(join(d, 'xdit_flux_profile_rank_0.json.gz'))).toEqual({
      path: join(d, 'xdit_flux_capture_rank_0.json.gz'), candidates: [join(d, 'xdit_flux_capture_rank_0.json.gz')],
    });
    expect(findCaptureTrace(join(d, 'xdit_flux_profile_rank_1.json.gz')).path).toBe(join(d, 'xdit_flux_capture_rank_1.json.gz'));
  });

  it('takes a lone capture trace beside a profile of another name (vLLM), and the closest name among several', () => {
    const d = folder('vllm', ['run.sqlite', 'vllm_decode_full_capture_rank_0.pt.trace.json.gz']);
    expect(findCaptureTrace(join(d, 'run.sqlite')).path).toBe(join(d, 'vllm_decode_full_capture_rank_0.pt.trace.json.gz'));
    const e = folder('two', ['decode_trace.json', 'decode_capture.json', 'prefill_capture.json']);
    expect(findCaptureTrace(join(e, 'decode_trace.json')).path).toBe(join(e, 'decode_capture.json'));
  });

  it('takes none when two fit equally, or none is there, and lists what it saw', () => {
    const d = folder('tie', ['p.sqlite', 'a_capture.json', 'b_capture.json']);
    expect(findCaptureTrace(join(d, 'p.sqlite'))).toEqual({ candidates: [join(d, 'a_capture.json'), join(d, 'b_capture.json')] });
    const e = folder('none', ['p.sqlite', 'other.json']);
    expect(findCaptureTrace(join(e, 'p.sqlite'))).toEqual({ candidates: [] });
    expect(findCaptureTrace(join(root, 'missing', 'p.sqlite'))).toEqual({ candidates: [] });
  });
});
