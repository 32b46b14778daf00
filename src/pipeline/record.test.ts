// When a profiling run wrote no trace: which window to try again with, or none (then the error says why).
import { describe, expect, it } from 'vitest';
import { retryWindow } from './record.js';

describe('retryWindow', () => {
  it('profiles a run shorter than warm-up + one step again with one warm-up step and every step it has left', () => {
    expect(retryWindow({ skip: 2, steps: 5 }, 2, 1)).toEqual({ skip: 1, steps: 1 });
    expect(retryWindow({ skip: 4, steps: 5 }, 3, 1)).toEqual({ skip: 1, steps: 2 });
  });
  it('tries a long enough run whose trace is missing once more as it was', () => {
    expect(retryWindow({ skip: 2, steps: 5 }, 8, 1)).toEqual({ skip: 2, steps: 5 });
    expect(retryWindow({ skip: 2, steps: 5 }, 24, 1)).toEqual({ skip: 2, steps: 5 });
  });
  it('gives up after two tries, and on a run of fewer than two steps', () => {
    expect(retryWindow({ skip: 2, steps: 5 }, 8, 2)).toBeNull();
    expect(retryWindow({ skip: 1, steps: 1 }, 2, 2)).toBeNull();
    expect(retryWindow({ skip: 2, steps: 5 }, 1, 1)).toBeNull();
    expect(retryWindow({ skip: 2, steps: 5 }, 0, 1)).toBeNull();
  });
});
