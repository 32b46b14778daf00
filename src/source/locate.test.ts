import { describe, expect, it } from 'vitest';
import { functionAt, locateFrame, matchRepoPath } from './locate.js';
import { indexedRepo, py } from './testing.js';

describe('locating profile frames in the repo', () => {
  const repo = indexedRepo({
    'src/train.py': py`
      import torch

      def get_batch():
          return torch.randn(2)

      class Model:
          def forward(self, x):
              def inner(y):
                  return y
              return inner(x)

      x = get_batch()
    `,
    'utils.py': 'def get_batch():\n    return 1\n',
  });

  it('maps paths from another machine by the longest suffix, never library paths', () => {
    const files = ['src/train.py', 'train.py', 'utils.py'];
    expect(matchRepoPath(files, '/home/alice/proj/src/train.py')).toBe('src/train.py');
    expect(matchRepoPath(files, '/home/alice/other/train.py')).toBe('train.py');
    expect(matchRepoPath(files, './utils.py')).toBe('utils.py');
    expect(matchRepoPath(files, 'C:\\\\work\\\\proj\\\\utils.py')).toBe('utils.py');
    expect(matchRepoPath(files, '/usr/lib/python3/dist-packages/foo/utils.py')).toBeNull();
    expect(matchRepoPath(files, '/opt/venv/lib/python3.11/site-packages/torch/nn/modules/module.py')).toBeNull();
  });

  it('finds the innermost function around a line', () => {
    expect(functionAt(repo.index, 'src/train.py', 4)).toBe('get_batch');
    expect(functionAt(repo.index, 'src/train.py', 9)).toBe('Model.forward.inner');
    expect(functionAt(repo.index, 'src/train.py', 10)).toBe('Model.forward');
    expect(functionAt(repo.index, 'src/train.py', 12)).toBe('<module>');
  });

  it('locates frames by file and line, or by an unambiguous symbol', () => {
    expect(locateFrame(repo.index, { symbol: 'forward', file: '/remote/run/src/train.py', line: 10 })).toEqual({ file: 'src/train.py', function: 'Model.forward', line: 10 });
    expect(locateFrame(repo.index, { symbol: 'Model.forward' })).toEqual({ file: 'src/train.py', function: 'Model.forward', line: 7 });
    expect(locateFrame(repo.index, { symbol: 'get_batch' })).toBeNull(); // two repo functions of that name
    expect(locateFrame(repo.index, { symbol: 'get_batch', file: 'utils.py' })).toEqual({ file: 'utils.py', function: 'get_batch', line: 1 });
    expect(locateFrame(repo.index, { symbol: 'linear', file: '/usr/lib/python3/site-packages/torch/nn/functional.py', line: 3 })).toBeNull();
  });
});
