import { describe, expect, it } from 'vitest';
import { parsePythonFrame, pythonFrameOf } from './python-frame.js';

// One parser for every form a profile writes a Python frame in. `was` notes where the parsers it replaced
// (kineto/names.ts for python_function names, analyze/stacks.ts for callchain texts, the nsys-only regexes
// of graphs/sites.ts, ranks/summarize.ts and the dashboard's DetailsPanel) disagreed.
describe('parsePythonFrame', () => {
  it.each([
    // Kineto python_function names and legacy Call stack parts: any file, Python's own pseudo-files included
    ['train.py(57): train_step', { file: 'train.py', line: 57, function: 'train_step' }, ''],
    ['/sgl/srt/managers/scheduler.py(2919): _run_batch_inner', { file: '/sgl/srt/managers/scheduler.py', line: 2919, function: '_run_batch_inner' }, ''],
    ['m.py(3): <lambda>', { file: 'm.py', line: 3, function: '<lambda>' }, ''],
    ['<frozen os>(808): getenv', { file: '<frozen os>', line: 808, function: 'getenv' }, 'stacks: null (it wanted .py)'],
    ['<eval_with_key>.5(12): forward', { file: '<eval_with_key>.5', line: 12, function: 'forward' }, 'stacks: null'],
    ['a.py(3):f', { file: 'a.py', line: 3, function: 'f' }, 'names: not a frame (it wanted one space)'],
    ['  train.py(57): train_step  ', { file: 'train.py', line: 57, function: 'train_step' }, 'names: file "  train.py"'],
    // nsys backtraces
    ['train_step (train.py:57)', { file: 'train.py', line: 57, function: 'train_step' }, 'names: not a frame'],
    ['train_step  (train.py:57)', { file: 'train.py', line: 57, function: 'train_step' }, 'sites: function "train_step "'],
    ['train_step [train.py:57]', { file: 'train.py', line: 57, function: 'train_step' }, 'sites: not a frame'],
    ['scan (fast.pyx:3)', { file: 'fast.pyx', line: 3, function: 'scan' }, 'stacks, sites: not a frame (the dashboard\'s own regex took it)'],
    // other tools' forms
    ['src/train.py:57 train_step', { file: 'src/train.py', line: 57, function: 'train_step' }, 'names, sites: not a frame'],
    ['src/train.py:57:train_step', { file: 'src/train.py', line: 57, function: 'train_step' }, 'names, sites: not a frame'],
    ['get_batch@data/loader.py:9', { file: 'data/loader.py', line: 9, function: 'get_batch' }, 'names, sites: not a frame'],
    ['File "x/y.py", line 3, in <module>', { file: 'x/y.py', line: 3, function: '<module>' }, 'names, sites: not a frame'],
    // not Python frames
    ['libcudart.so.12!cudaStreamSynchronize', null, ''],
    ['<built-in method item of Tensor object at 0x7f00>', null, 'names: the whole text as the function, no file'],
    ['nn.Module: Linear_0', null, 'names: the whole text as the function, no file'],
    ['forward(x): y', null, "attribution's function-name regex: y"],
    ['', null, ''],
  ])('%s', (text, want, _was) => {
    expect(parsePythonFrame(text)).toEqual(want);
  });
});

describe('pythonFrameOf', () => {
  it('takes a frame\'s own file and line, else parses its symbol', () => {
    expect(pythonFrameOf({ symbol: 'forward', file: 'model.py', line: 12 })).toEqual({ file: 'model.py', line: 12, function: 'forward' });
    expect(pythonFrameOf({ symbol: 'getenv', file: '<frozen os>', line: 808 })).toEqual({ file: '<frozen os>', line: 808, function: 'getenv' });
    expect(pythonFrameOf({ symbol: 'train_step (train.py:57)', module: 'python' })).toEqual({ file: 'train.py', line: 57, function: 'train_step' });
    expect(pythonFrameOf({ symbol: 'cudaLaunchKernel', module: 'libcudart.so.12' })).toBeNull();
  });
});
