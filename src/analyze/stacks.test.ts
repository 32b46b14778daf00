import { describe, expect, it } from 'vitest';
import { innermostRepoFrame } from './stacks.js';

describe('innermostRepoFrame', () => {
  const files = ['train.py', 'model/gpt.py', 'vendor/model/gpt.py', 'data/loader.py'];
  it('finds the innermost repo frame', () => {
    const frames = ['libcuda.so!cuLaunch', '/usr/lib/python3/torch/_tensor.py(10): item', '/w/train.py(57): train_step', '/w/train.py(90): <module>'];
    expect(innermostRepoFrame(frames, files)).toMatchObject({ repoFile: 'train.py', line: 57, function: 'train_step', depth: 2 });
  });
});
