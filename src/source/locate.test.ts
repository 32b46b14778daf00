import { describe, expect, it } from 'vitest';
import { functionAt, locateFrame, matchRepoPath } from './locate.js';
import { indexedRepo, py } from './testing.js';

// One matcher for every profile path (analyze's attribution and the detectors' frame lookup both use it).
// `was` notes where the two matchers it replaced (analyze/stacks.ts matchRepoFile, the old matchRepoPath) disagreed.
describe('matchRepoPath', () => {
  const files = ['train.py', 'src/train.py', 'utils.py', 'model/gpt.py', 'vendor/model/gpt.py', 'nets/gpt.py',
    'services/trainer/loop.py', 'a/x/data.py', 'bb/x/data.py', 'pkg/Model.py', 'lib/python3_utils/io.py'];
  it.each([
    // the longest run of trailing components wins; a repo file matched whole beats one matched in part
    ['/home/alice/proj/src/train.py', 'src/train.py', ''],
    ['/home/alice/other/train.py', 'train.py', ''],
    ['/workspace/run/model/gpt.py', 'model/gpt.py', ''],
    ['/x/vendor/model/gpt.py', 'vendor/model/gpt.py', ''],
    ['/x/other/model/gpt.py', 'model/gpt.py', ''],
    // repo-relative and Windows paths
    ['src/train.py', 'src/train.py', ''],
    ['./utils.py', 'utils.py', ''],
    ['C:\\work\\proj\\utils.py', 'utils.py', ''],
    ['C:\\\\work\\\\proj\\\\utils.py', 'utils.py', ''],
    ['D:/runs/train.py', 'train.py', ''],
    // a folder of the repo copied elsewhere (a container's /app): matched in part, by its file name and up
    ['/app/loop.py', 'services/trainer/loop.py', 'matchRepoPath: null'],
    ['/app/trainer/loop.py', 'services/trainer/loop.py', 'matchRepoPath: null'],
    // two repo files matched equally, neither whole: ambiguous, never a guess
    ['/q/x/data.py', null, 'matchRepoFile: a/x/data.py (the shorter)'],
    ['/home/u/gpt.py', null, 'matchRepoFile: nets/gpt.py (the shortest)'],
    // case: exact on POSIX paths, ignored on Windows paths
    ['/home/u/pkg/Model.py', 'pkg/Model.py', ''],
    ['/home/u/PKG/model.py', null, ''],
    ['C:\\Users\\A\\proj\\PKG\\model.py', 'pkg/Model.py', 'both: null'],
    // installed libraries never match, whatever their file names
    ['/usr/lib/python3/dist-packages/foo/utils.py', null, ''],
    ['/opt/venv/lib/python3.11/site-packages/torch/nn/modules/module.py', null, ''],
    ['/opt/conda/lib/python3.11/site-packages/hf/model/gpt.py', null, ''],
    ['C:\\Python311\\Lib\\site-packages\\utils.py', null, ''],
    ['site-packages/utils.py', null, 'matchRepoFile: utils.py (it wanted a / before site-packages)'],
    // …but only those folders: a project folder named lib/python3_utils, conda or .venv is the user's
    ['/home/u/proj/lib/python3_utils/io.py', 'lib/python3_utils/io.py', 'matchRepoFile: null (/lib/python3 prefix)'],
    ['/home/u/conda/proj/train.py', 'train.py', 'matchRepoPath: null (any conda folder)'],
    ['/srv/venv/proj/utils.py', 'utils.py', 'matchRepoPath: null (any venv folder)'],
    // not a file of the repo
    ['<frozen os>', null, ''],
    ['', null, ''],
  ])('%s → %s', (path, want, _was) => {
    expect(matchRepoPath(files, path)).toBe(want);
  });
});

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
