import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionAt, locateFrame, matchRepoPath } from './locate.js';
import { indexRepo, type RepoIndex } from './repo-index.js';
import { makeRepo, py, removeRepo } from './testing.js';

describe('locating profile frames in the repo', () => {
  const repo = makeRepo({
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
  let ix: RepoIndex;
  beforeAll(async () => {
    ix = await indexRepo(repo);
  });
  afterAll(() => {
    ix.dispose();
    removeRepo(repo);
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
    expect(functionAt(ix, 'src/train.py', 4)).toBe('get_batch');
    expect(functionAt(ix, 'src/train.py', 9)).toBe('Model.forward.inner');
    expect(functionAt(ix, 'src/train.py', 10)).toBe('Model.forward');
    expect(functionAt(ix, 'src/train.py', 12)).toBe('<module>');
  });

  it('locates frames by file and line, or by an unambiguous symbol', () => {
    expect(locateFrame(ix, { symbol: 'forward', file: '/remote/run/src/train.py', line: 10 })).toEqual({ file: 'src/train.py', function: 'Model.forward', line: 10 });
    expect(locateFrame(ix, { symbol: 'Model.forward' })).toEqual({ file: 'src/train.py', function: 'Model.forward', line: 7 });
    expect(locateFrame(ix, { symbol: 'get_batch' })).toBeNull(); // two repo functions of that name
    expect(locateFrame(ix, { symbol: 'get_batch', file: 'utils.py' })).toEqual({ file: 'utils.py', function: 'get_batch', line: 1 });
    expect(locateFrame(ix, { symbol: 'linear', file: '/usr/lib/python3/site-packages/torch/nn/functional.py', line: 3 })).toBeNull();
  });
});
