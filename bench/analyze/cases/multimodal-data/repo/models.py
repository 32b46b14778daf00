import torch
import torch.nn as nn


class ImageEncoder(nn.Module):
    def __init__(self, width=768, layers=12, heads=12, patch=16, dim=512):
        super().__init__()
        self.patch = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.zeros(1, (224 // patch) ** 2 + 1, width))
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, dim, bias=False)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.blocks(x)
        return self.proj(self.ln(x[:, 0]))


class TextEncoder(nn.Module):
    def __init__(self, vocab=49408, width=512, layers=12, heads=8, max_len=77, dim=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Parameter(torch.zeros(1, max_len, width))
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, dim, bias=False)

    def forward(self, ids, mask):
        x = self.tok(ids) + self.pos[:, : ids.shape[1]]
        x = self.blocks(x, src_key_padding_mask=~mask)
        last = mask.sum(dim=1) - 1
        x = self.ln(x[torch.arange(x.shape[0], device=x.device), last])
        return self.proj(x)
