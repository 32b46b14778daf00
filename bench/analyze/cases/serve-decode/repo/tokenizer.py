import json


class Tokenizer:
    def __init__(self, path):
        with open(path) as f:
            spec = json.load(f)
        self.vocab = spec["vocab"]
        self.inv = {i: t for t, i in self.vocab.items()}
        self.eos_id = self.vocab["</s>"]
        self.pad_id = self.vocab["<pad>"]

    def encode(self, text):
        out = []
        for word in text.split():
            out.append(self.vocab.get(word, self.vocab["<unk>"]))
        return out

    def decode(self, ids):
        words = []
        for i in ids:
            if i == self.eos_id:
                break
            if i != self.pad_id:
                words.append(self.inv.get(i, "<unk>"))
        return " ".join(words)
