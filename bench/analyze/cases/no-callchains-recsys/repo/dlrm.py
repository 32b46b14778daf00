import torch
import torch.nn as nn


def mlp(sizes, last_act=True):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or last_act:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class DLRM(nn.Module):
    def __init__(self, table_sizes, dim=64, dense_in=13):
        super().__init__()
        self.tables = nn.ModuleList([nn.EmbeddingBag(n, dim, mode="sum") for n in table_sizes])
        self.bottom = mlp([dense_in, 512, 256, dim])
        n = len(table_sizes) + 1
        self.top = mlp([dim + n * (n - 1) // 2, 1024, 512, 256, 1], last_act=False)

    def interact(self, x, embs):
        T = torch.stack([x] + embs, dim=1)
        Z = torch.bmm(T, T.transpose(1, 2))
        i, j = torch.triu_indices(T.shape[1], T.shape[1], offset=1)
        return torch.cat([x, Z[:, i, j]], dim=1)

    def forward(self, dense, sparse):
        x = self.bottom(dense)
        embs = [t(sparse[:, k:k + 1]) for k, t in enumerate(self.tables)]
        return self.top(self.interact(x, embs)).squeeze(1)
