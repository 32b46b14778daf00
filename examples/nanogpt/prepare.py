"""Character-level tokenization of data/input.txt into data/train.bin and data/val.bin.

Both files are flat arrays of uint16 token ids (read them with np.memmap(path, dtype=np.uint16, mode="r")).
data/meta.json holds the vocabulary. The first 90% of the text is the training split, the rest validation.

    python3 prepare.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "data")


def prepare(data_dir=DATA_DIR, quiet=False):
    with open(os.path.join(data_dir, "input.txt"), encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.uint16)
    cut = int(len(ids) * 0.9)
    ids[:cut].tofile(os.path.join(data_dir, "train.bin"))
    ids[cut:].tofile(os.path.join(data_dir, "val.bin"))
    with open(os.path.join(data_dir, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"vocab_size": len(chars), "itos": chars}, f)
    if not quiet:
        print(f"{len(text)} characters, vocabulary of {len(chars)}: train {cut} tokens, val {len(ids) - cut} tokens")
    return len(chars)


if __name__ == "__main__":
    prepare()
