"""PyTorch's side of TransformerBenchmarks (issue 19): nn.TransformerEncoderLayer(64, 4, 128, dropout=0,
batch_first=True) on [batch, 32, 64]: batch-1 forward under torch.no_grad() in eval mode, and a batch-32 training step
(nn.MSELoss, torch.optim.Adam: zero_grad, forward, backward, step). One thread by default. Prints the median of several
repeats in microseconds, and the best repeat.

    OPENBLAS_CORETYPE=SKYLAKEX /usr/bin/python3 benchmarks/pytorch/transformer_layer.py [--iterations 2000] [--repeats 7] [--threads 1] [--cpu-time]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--iterations", type=int, default=2000)
parser.add_argument("--repeats", type=int, default=7)
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--cpu-time", action="store_true", help="time by this thread's CPU time (a machine shared with other jobs)")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
x1 = torch.rand(1, 32, 64)
x32 = torch.rand(32, 32, 64)
t32 = torch.rand(32, 32, 64)
optimizer = torch.optim.Adam(layer.parameters(), lr=1e-4)
loss_fn = nn.MSELoss()


def forward():
    with torch.no_grad():
        layer(x1)


def train_step():
    optimizer.zero_grad()
    loss = loss_fn(layer(x32), t32)
    loss.backward()
    optimizer.step()


def median_us(step, iterations):
    for _ in range(max(50, iterations // 20)):
        step()
    results = []
    for _ in range(args.repeats):
        clock = time.thread_time_ns if args.cpu_time else time.perf_counter_ns
        t0 = clock()
        for _ in range(iterations):
            step()
        results.append((clock() - t0) / iterations / 1000)
    return statistics.median(results), min(results)


layer.eval()
print(f"torch {torch.__version__}, {args.threads} thread(s); median (best) of {args.repeats} repeats; {'thread CPU' if args.cpu_time else 'wall-clock'} time")
print("forward, batch 1:       {:9.1f} us ({:.1f})".format(*median_us(forward, args.iterations)))
layer.train()
print("train step, batch 32:   {:9.1f} us ({:.1f})".format(*median_us(train_step, max(1, args.iterations // 20))))
