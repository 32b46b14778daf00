"""Batched greedy decoding behind a simple request queue."""
import json
import queue
import threading

import torch

from model import Decoder
from tokenizer import Tokenizer


class Server:
    def __init__(self, ckpt, device="cuda"):
        self.device = torch.device(device)
        self.tok = Tokenizer("tokenizer.json")
        self.model = Decoder()
        self.model.load_state_dict(torch.load(ckpt, map_location="cpu"))
        self.model = self.model.half().to(self.device).eval()
        self.eos = self.tok.eos_id
        self.requests = queue.Queue()

    def encode_batch(self, prompts):
        ids = [self.tok.encode(p) for p in prompts]
        width = max(len(x) for x in ids)
        padded = [[self.tok.pad_id] * (width - len(x)) + x for x in ids]
        return torch.tensor(padded, dtype=torch.long).to(self.device)

    @torch.inference_mode()
    def generate(self, prompts, max_new_tokens=256):
        idx = self.encode_batch(prompts)
        caches = self.model.new_caches(idx.shape[0], self.device, torch.float16)
        logits = self.model(idx, caches, 0)
        pos = idx.shape[1]
        out = [idx]
        for _ in range(max_new_tokens):
            next_tok = torch.argmax(logits[:, -1, :], dim=-1, keepdim=True)
            out.append(next_tok)
            if (next_tok == self.eos).all().item():
                break
            logits = self.model(next_tok, caches, pos)
            pos += 1
        tokens = torch.cat(out, dim=1).cpu().tolist()
        return [self.tok.decode(t) for t in tokens]

    def serve_forever(self, batch_size=8):
        while True:
            batch = [self.requests.get()]
            while len(batch) < batch_size and not self.requests.empty():
                batch.append(self.requests.get_nowait())
            texts = self.generate([json.loads(r["body"])["prompt"] for r in batch])
            for r, t in zip(batch, texts):
                r["reply"](json.dumps({"text": t}))


def main():
    server = Server("decoder.pt")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from http_frontend import run_frontend
    run_frontend(server.requests, port=8000)


if __name__ == "__main__":
    main()
