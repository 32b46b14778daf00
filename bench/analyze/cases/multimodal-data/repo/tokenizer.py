import json
import re


class BPETokenizer:
    def __init__(self, path):
        with open(path) as f:
            spec = json.load(f)
        self.vocab = spec["vocab"]
        self.merges = {tuple(m.split()): i for i, m in enumerate(spec["merges"])}
        self.pat = re.compile(r"\w+|[^\w\s]+")

    def bpe(self, word):
        parts = list(word) + ["</w>"]
        while len(parts) > 1:
            pairs = [(self.merges.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return parts

    def encode(self, text):
        out = [self.vocab["<start>"]]
        for word in self.pat.findall(text.lower()):
            out.extend(self.vocab.get(p, self.vocab["<unk>"]) for p in self.bpe(word))
        out.append(self.vocab["<end>"])
        return out
