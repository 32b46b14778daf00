"""Criteo-style TSV: label, 13 integer features, 26 hashed categorical features per line."""
import math

import torch
from torch.utils.data import Dataset


class CriteoTSV(Dataset):
    def __init__(self, path, n_buckets):
        self.path = path
        self.n_buckets = n_buckets
        self.offsets = []
        with open(path, "rb") as f:
            pos = 0
            for line in f:
                self.offsets.append(pos)
                pos += len(line)

    def __len__(self):
        return len(self.offsets)

    def __getitem__(self, i):
        with open(self.path, "rb") as f:
            f.seek(self.offsets[i])
            fields = f.readline().decode().rstrip("\n").split("\t")
        label = float(fields[0])
        dense = [math.log1p(max(int(v), 0)) if v else 0.0 for v in fields[1:14]]
        sparse = [int(v, 16) % self.n_buckets if v else 0 for v in fields[14:40]]
        return torch.tensor(dense), torch.tensor(sparse), torch.tensor(label)
