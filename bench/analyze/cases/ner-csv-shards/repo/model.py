import torch.nn as nn


class TransformerTagger(nn.Module):
    def __init__(self, vocab_size, n_tags, d_model=512, n_layers=4, n_heads=8):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, 4 * d_model, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers)
        self.classifier = nn.Linear(d_model, n_tags)

    def forward(self, ids):
        return self.classifier(self.encoder(self.embed(ids)))
