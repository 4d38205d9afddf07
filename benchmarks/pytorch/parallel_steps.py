"""Training steps of the MLP (784-128-10) and the Fashion-MNIST CNN at batch 64 and 256 in PyTorch, on 1 and 2 threads,
for comparison with StaticNet's ParallelTrainingBenchmarks (issue 20). Random inputs and labels (four batches, cycled),
Adam 1e-3, softmax cross-entropy, model.train() (the CNN's dropout on); one step = zero_grad, forward, loss, backward,
step. Prints the median and minimum of --steps steps after --warmup, in ms, and the speed-up from the second thread.

    OPENBLAS_CORETYPE=SKYLAKEX /usr/bin/python3 benchmarks/pytorch/parallel_steps.py [--threads 1 2] [--steps 100]

(Debian's OpenBLAS does not recognise AMD Zen 4 / some Xeons and otherwise falls back to its SSE kernels; set the
variable for this command only.)
"""
import argparse, statistics, time
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--warmup", type=int, default=20)
args = parser.parse_args()


def mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1568, 128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10))


def measure(make, shape, batch):
    # Allocate and free 16 MB first so that glibc reuses the step's activations (see fashion_cnn.py --latency).
    scratch = torch.empty(4 << 20).fill_(0.0)
    del scratch
    torch.manual_seed(1)
    model = make()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xs = [torch.randn(batch, *shape) for _ in range(4)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(4)]
    times = []
    for i in range(args.warmup + args.steps):
        x, y = xs[i % 4], ys[i % 4]
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - start
        if i >= args.warmup:
            times.append(elapsed * 1e3)
    return statistics.median(times), min(times)


print(f"PyTorch {torch.__version__}; {args.steps} steps after {args.warmup}; times in ms (median / min)")
results = {}
for name, make, shape in (("MLP 784-128-10", mlp, (784,)), ("Fashion-MNIST CNN", cnn, (1, 28, 28))):
    for batch in args.batches:
        for threads in args.threads:
            torch.set_num_threads(threads)
            median, minimum = measure(make, shape, batch)
            results[(name, batch, threads)] = median
            line = f"{name:18} batch {batch:4} threads {threads}: {median:8.3f} / {minimum:8.3f}"
            if threads != args.threads[0]:
                line += f"   speed-up {results[(name, batch, args.threads[0])] / median:4.2f}x"
            print(line, flush=True)
