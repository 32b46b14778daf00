import torch
import torch.nn as nn
import torch.nn.functional as F


class PatchTST(nn.Module):
    """Transformer over patches of a multivariate time series (forecasting)."""

    def __init__(self, n_vars=21, seq_len=512, patch=16, d=256, layers=4, heads=8, horizon=96):
        super().__init__()
        self.patch = patch
        self.n_patches = seq_len // patch
        self.embed = nn.Linear(patch, d)
        self.pos = nn.Parameter(torch.randn(1, self.n_patches, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(self.n_patches * d, horizon)

    def forward(self, x):
        B, L, V = x.shape
        x = x.permute(0, 2, 1).reshape(B * V, self.n_patches, self.patch)
        h = self.embed(x) + self.pos
        h = self.encoder(h)
        out = self.head(h.flatten(1))
        return out.view(B, V, -1).permute(0, 2, 1)


def smape(pred, target):
    return (2 * (pred - target).abs() / (pred.abs() + target.abs() + 1e-8)).mean()
