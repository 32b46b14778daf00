import argparse
import logging
import time

import torch
from torch.utils.data import DataLoader
from transformers import BertConfig, BertForMaskedLM, BertTokenizer, get_linear_schedule_with_warmup

from data import LineByLineTextDataset, MLMCollator

logger = logging.getLogger(__name__)


def parse_args():
    p = argparse.ArgumentParser(description="Pretrain a BERT masked language model")
    p.add_argument("--train_file", default="data/wiki.train.raw")
    p.add_argument("--tokenizer_name", default="bert-base-uncased")
    p.add_argument("--per_device_train_batch_size", type=int, default=64)
    p.add_argument("--learning_rate", type=float, default=1e-4)
    p.add_argument("--num_train_epochs", type=int, default=1)
    p.add_argument("--logging_steps", type=int, default=100)
    return p.parse_args()


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda")
    tokenizer = BertTokenizer.from_pretrained(args.tokenizer_name)
    train_dataset = LineByLineTextDataset(tokenizer, args.train_file, block_size=128)
    train_dataloader = DataLoader(
        train_dataset,
        shuffle=True,
        batch_size=args.per_device_train_batch_size,
        collate_fn=MLMCollator(tokenizer),
    )
    model = BertForMaskedLM(BertConfig()).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    total_steps = args.num_train_epochs * len(train_dataloader)
    scheduler = get_linear_schedule_with_warmup(optimizer, 1000, total_steps)
    model.train()
    global_step = 0
    for epoch in range(args.num_train_epochs):
        for batch in train_dataloader:
            t0 = time.perf_counter()
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            outputs = model(**batch)
            loss = outputs.loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            torch.cuda.synchronize()
            step_time = time.perf_counter() - t0
            global_step += 1
            if global_step % args.logging_steps == 0:
                logger.info("epoch %d step %d loss %.4f %.1f ms/step", epoch, global_step, loss.item(), step_time * 1e3)


if __name__ == "__main__":
    main()
