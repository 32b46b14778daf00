import { describe, expect, it } from 'vitest';
import { innermostRepoFrame, parsePythonFrame } from './stacks.js';

describe('parsePythonFrame', () => {
  it.each([
    ['train.py(57): train_step', { file: 'train.py', line: 57, func: 'train_step' }],
    ['/home/u/proj/model.py(120): forward', { file: '/home/u/proj/model.py', line: 120, func: 'forward' }],
    ['train_step (train.py:57)', { file: 'train.py', line: 57, func: 'train_step' }],
    ['src/train.py:57 train_step', { file: 'src/train.py', line: 57, func: 'train_step' }],
    ['get_batch@data/loader.py:9', { file: 'data/loader.py', line: 9, func: 'get_batch' }],
    ['File "x/y.py", line 3, in <module>', { file: 'x/y.py', line: 3, func: '<module>' }],
  ])('%s', (s, want) => expect(parsePythonFrame(s)).toEqual(want));
  it('ignores native frames', () => {
    expect(parsePythonFrame('libcudart.so.12!cudaStreamSynchronize')).toBeNull();
    expect(parsePythonFrame('<built-in method item of Tensor object at 0x7f>')).toBeNull();
  });
});

describe('innermostRepoFrame', () => {
  const files = ['train.py', 'model/gpt.py', 'vendor/model/gpt.py', 'data/loader.py'];
  it('finds the innermost repo frame', () => {
    const frames = ['libcuda.so!cuLaunch', '/usr/lib/python3/torch/_tensor.py(10): item', '/w/train.py(57): train_step', '/w/train.py(90): <module>'];
    expect(innermostRepoFrame(frames, files)).toMatchObject({ repoFile: 'train.py', line: 57, func: 'train_step', depth: 2 });
  });
});
