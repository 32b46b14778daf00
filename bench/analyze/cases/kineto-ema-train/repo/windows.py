import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset


class Windows(Dataset):
    def __init__(self, values, seq_len=512, horizon=96):
        self.values = torch.from_numpy(values.astype(np.float32))
        self.seq_len, self.horizon = seq_len, horizon

    def __len__(self):
        return len(self.values) - self.seq_len - self.horizon + 1

    def __getitem__(self, i):
        x = self.values[i:i + self.seq_len]
        y = self.values[i + self.seq_len:i + self.seq_len + self.horizon]
        return x, y


def make_loaders(path, batch_size, split=0.8):
    df = pd.read_csv(path).drop(columns=["date"])
    values = df.values
    values = (values - values.mean(0)) / (values.std(0) + 1e-8)
    cut = int(len(values) * split)
    train = DataLoader(Windows(values[:cut]), batch_size=batch_size, shuffle=True, num_workers=4, pin_memory=True,
                       persistent_workers=True, drop_last=True)
    val = DataLoader(Windows(values[cut:]), batch_size=256, num_workers=2, pin_memory=True, persistent_workers=True)
    return train, val
