import { describe, expect, it } from 'vitest';
import { definedProps, optional } from './optional.js';

describe('optional / definedProps', () => {
  it('optional keeps a defined value (falsy ones too) and drops undefined', () => {
    expect(optional('a', 0)).toEqual({ a: 0 });
    expect(optional('a', undefined)).toEqual({});
  });

  it('definedProps leaves out exactly the undefined properties', () => {
    const got = definedProps({ runs: 3, alpha: undefined, bootstrap: false, env: null, name: '' });
    expect(got).toEqual({ runs: 3, bootstrap: false, env: null, name: '' });
    expect('alpha' in got).toBe(false);
  });
});
