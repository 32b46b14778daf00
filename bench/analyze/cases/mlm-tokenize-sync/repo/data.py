"""Line-by-line masked-LM data in the style of transformers' examples: one text line per sample."""
import torch
from torch.utils.data import Dataset


class LineByLineTextDataset(Dataset):
    def __init__(self, tokenizer, file_path, block_size=128):
        with open(file_path, encoding="utf-8") as f:
            self.lines = [line for line in f.read().splitlines() if line and not line.isspace()]
        self.tokenizer = tokenizer
        self.block_size = block_size

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, i):
        enc = self.tokenizer(self.lines[i], truncation=True, max_length=self.block_size)
        return {"input_ids": enc["input_ids"]}


class MLMCollator:
    def __init__(self, tokenizer, mlm_probability=0.15):
        self.tokenizer = tokenizer
        self.mlm_probability = mlm_probability

    def __call__(self, examples):
        batch = self.tokenizer.pad(examples, return_tensors="pt")
        inputs = batch["input_ids"]
        labels = inputs.clone()
        prob = torch.full(labels.shape, self.mlm_probability)
        special = inputs == self.tokenizer.pad_token_id
        prob.masked_fill_(special, 0.0)
        masked = torch.bernoulli(prob).bool()
        labels[~masked] = -100
        inputs[masked] = self.tokenizer.mask_token_id
        return {"input_ids": inputs, "attention_mask": batch["attention_mask"], "labels": labels}
