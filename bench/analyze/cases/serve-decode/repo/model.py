import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x, cache, pos):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        cache.k[:, :, pos:pos + T] = k
        cache.v[:, :, pos:pos + T] = v
        y = F.scaled_dot_product_attention(q, cache.k[:, :, :pos + T], cache.v[:, :, :pos + T], is_causal=T > 1)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, n_head)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x, cache, pos):
        x = x + self.attn(self.ln1(x), cache, pos)
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x


class KVCache:
    def __init__(self, batch, n_head, max_len, head_dim, device, dtype):
        self.k = torch.zeros(batch, n_head, max_len, head_dim, device=device, dtype=dtype)
        self.v = torch.zeros(batch, n_head, max_len, head_dim, device=device, dtype=dtype)


class Decoder(nn.Module):
    def __init__(self, vocab=32000, d=768, n_layer=12, n_head=12, max_len=2048):
        super().__init__()
        self.n_head, self.d, self.max_len = n_head, d, max_len
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def new_caches(self, batch, device, dtype):
        return [KVCache(batch, self.n_head, self.max_len, self.d // self.n_head, device, dtype) for _ in self.blocks]

    def forward(self, idx, caches, pos):
        T = idx.shape[1]
        positions = torch.arange(pos, pos + T, device=idx.device)
        x = self.tok(idx) + self.pos(positions)
        for blk, cache in zip(self.blocks, caches):
            x = blk(x, cache, pos)
        return self.head(self.ln_f(x))
