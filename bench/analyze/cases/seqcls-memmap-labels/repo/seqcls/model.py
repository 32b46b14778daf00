import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, vocab_size, n_tags, d_model=768, n_layers=6, n_heads=12):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, 4 * d_model, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers)
        self.head = nn.Linear(d_model, n_tags)

    def forward(self, input_ids):
        return self.head(self.encoder(self.embed(input_ids)))
