// Every analyze bench case: the ms/iter column of its findings never sums past its iteration, and each finding's
// ms/iter is a share of the iteration (no category cost copied onto several lines).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caseNames, runCase } from './score.js';

const CASES = resolve(__dirname, 'cases');
const work = mkdtempSync(join(tmpdir(), 'sysight-bench-cases-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('analyze bench cases', () => {
  for (const name of caseNames(CASES)) {
    it(`${name}: the findings' ms/iter sum to at most the iteration`, async () => {
      const { det } = await runCase(name, { casesDir: CASES, work });
      expect(det.iterationMs).not.toBeNull();
      expect(det.sumMsPerIter).toBeLessThanOrEqual(det.iterationMs! + 1e-3);
    }, 120_000);
  }
});
