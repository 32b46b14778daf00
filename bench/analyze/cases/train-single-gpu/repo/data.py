"""Token dataset over a flat uint16 file written by prepare.py."""
import os

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class TokenDataset(Dataset):
    def __init__(self, path, seq_len):
        self.path = path
        self.seq_len = seq_len
        n_tokens = os.path.getsize(path) // 2
        self.n = (n_tokens - 1) // seq_len

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        data = np.memmap(self.path, dtype=np.uint16, mode="r")
        start = idx * self.seq_len
        chunk = data[start:start + self.seq_len + 1].astype(np.int64)
        x = torch.from_numpy(chunk[:-1])
        y = torch.from_numpy(chunk[1:])
        return x, y


def make_loader(path, seq_len, batch_size):
    ds = TokenDataset(path, seq_len)
    return DataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=True)


def make_val_loader(path, seq_len, batch_size):
    ds = TokenDataset(path, seq_len)
    return DataLoader(ds, batch_size=batch_size, shuffle=False)
