"""PyTorch's per-step latency for the streaming recurrent benchmark (RecurrentStepBenchmarks): one sample, one time
step of LSTM(1 -> 32) + Linear(32 -> 1) and GRU(1 -> 32) + Linear(32 -> 1), state carried between calls, one thread,
under torch.no_grad(). Two forms each: nn.LSTMCell/nn.GRUCell (the cheapest call PyTorch has for one step) and nn.LSTM /
nn.GRU with a sequence of length 1 (what a model trained with nn.LSTM runs). Prints the median of several repeats in ns.

    /usr/bin/python3 benchmarks/pytorch/rnn_step.py [--iterations 100000] [--repeats 7] [--threads 1]
"""
import argparse, math, statistics, time
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--iterations", type=int, default=100_000)
parser.add_argument("--repeats", type=int, default=7)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

H = 32
signal = [torch.full((1, 1), math.sin(i * 0.05)) for i in range(1024)]
signal3 = [s.view(1, 1, 1) for s in signal]


def time_loop(step, inputs):
    n = args.iterations
    for i in range(2000):  # warm-up
        step(inputs[i & 1023])
    results = []
    for _ in range(args.repeats):
        t0 = time.perf_counter_ns()
        for i in range(n):
            step(inputs[i & 1023])
        results.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(results)


def lstm_cell():
    cell, head = nn.LSTMCell(1, H), nn.Linear(H, 1)
    state = [torch.zeros(1, H), torch.zeros(1, H)]

    def step(x):
        h, c = cell(x, (state[0], state[1]))
        state[0], state[1] = h, c
        return head(h)
    return step, signal


def gru_cell():
    cell, head = nn.GRUCell(1, H), nn.Linear(H, 1)
    state = [torch.zeros(1, H)]

    def step(x):
        h = cell(x, state[0])
        state[0] = h
        return head(h)
    return step, signal


def lstm_seq1():
    rnn, head = nn.LSTM(1, H, batch_first=True), nn.Linear(H, 1)
    state = [(torch.zeros(1, 1, H), torch.zeros(1, 1, H))]

    def step(x):
        out, s = rnn(x, state[0])
        state[0] = s
        return head(out[:, -1])
    return step, signal3


def gru_seq1():
    rnn, head = nn.GRU(1, H, batch_first=True), nn.Linear(H, 1)
    state = [torch.zeros(1, 1, H)]

    def step(x):
        out, s = rnn(x, state[0])
        state[0] = s
        return head(out[:, -1])
    return step, signal3


print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {args.iterations} steps x {args.repeats} repeats (median)")
with torch.no_grad():
    for name, make in [("LSTMCell(1->32) + Linear(32->1)", lstm_cell), ("GRUCell(1->32) + Linear(32->1)", gru_cell),
                       ("LSTM(1->32), seq len 1 + Linear", lstm_seq1), ("GRU(1->32), seq len 1 + Linear", gru_seq1)]:
        step, inputs = make()
        print(f"{name:36s} {time_loop(step, inputs):8.0f} ns/step")
