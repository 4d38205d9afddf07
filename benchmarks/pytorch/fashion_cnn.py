"""The issue-4 sample CNN on Fashion-MNIST in PyTorch, for comparison with StaticNet:

    Conv2d(1, 16, 3, padding=1) ReLU -> MaxPool2d(2) -> Conv2d(16, 32, 3, padding=1) ReLU -> MaxPool2d(2) -> Flatten
    -> Linear(1568, 128) ReLU -> Dropout(0.25) -> Linear(128, 10)

Trained as benchmarks/pytorch/fashion_mlp.py trains the MLP: Adam 1e-3 annealed along a cosine per batch, batch 32,
90 % of the training images (the rest held out, unused), inputs standardised with the training images' mean and
deviation, softmax cross-entropy; 3 epochs, seeded. Prints seconds and test accuracy after each epoch.

    /usr/bin/python3 benchmarks/pytorch/fashion_cnn.py [--threads 1] [--seeds 1] [--epochs 3] [--data DIR]
    /usr/bin/python3 benchmarks/pytorch/fashion_cnn.py --latency [--threads 1] [--calls 2000] [--steps 200]

--latency measures, without the data set (random inputs):
  (a) batch-1 inference: model.eval(), torch.no_grad(), one [1, 1, 28, 28] input; median of --calls calls after warm-up, in µs;
  (b) one batch-32 Adam training step (zero_grad, forward, loss, backward, step; model.train(), so dropout is on):
      median of --steps steps after warm-up, in ms.
Note: Debian's python3-torch 1.13 is built against the reference (netlib) BLAS, and at batch 1 PyTorch runs these
convolutions as im2col + that BLAS (aten::_slow_conv2d_forward), not oneDNN; a pip wheel (MKL, oneDNN) would be faster.
"""
import argparse, gzip, math, statistics, time
import numpy as np
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--seeds", type=int, nargs="+", default=[1])
parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--latency", action="store_true")
parser.add_argument("--holdout", type=float, default=0.0, help="fraction of the training images left out (0: all 60,000, the standard protocol)")
parser.add_argument("--calls", type=int, default=2000)
parser.add_argument("--steps", type=int, default=200)
args = parser.parse_args()
torch.set_num_threads(args.threads)


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1568, 128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10))


def latency():
    # Allocate and free 16 MB first, as the training mode does when it loads the data set: glibc's malloc then raises
    # its mmap and trim thresholds (dynamically, up to 32 MB), so the step's ~1.6 MB activations are reused from the
    # heap instead of being mmap'ed and page-faulted afresh on every step. Without this the same step measures
    # 22-40 ms instead of ~13 ms on the test machine; the training loop runs at the faster rate.
    scratch = torch.empty(4 << 20).fill_(0.0)
    del scratch
    torch.manual_seed(1)
    model = make_model()
    # (a) batch-1 inference
    model.eval()
    x = torch.randn(1, 1, 28, 28)
    times = []
    with torch.no_grad():
        for _ in range(max(100, args.calls // 10)):
            model(x)
        for _ in range(args.calls):
            start = time.perf_counter_ns()
            model(x)
            times.append(time.perf_counter_ns() - start)
    infer_us = statistics.median(times) / 1e3
    # (b) one batch-32 Adam step
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    xb, yb = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))

    def step():
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()

    for _ in range(max(20, args.steps // 10)):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter_ns()
        step()
        times.append(time.perf_counter_ns() - start)
    step_ms = statistics.median(times) / 1e6
    print(f"batch-1 inference: median {infer_us:.1f} µs over {args.calls} calls; "
          f"batch-32 Adam train step: median {step_ms:.3f} ms over {args.steps} steps "
          f"({args.threads} thread(s), torch {torch.__version__})", flush=True)


def images(name):
    return np.frombuffer(gzip.open(f"{args.data}/{name}").read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255


def labels(name):
    return np.frombuffer(gzip.open(f"{args.data}/{name}").read(), np.uint8, offset=8).astype(np.int64)


def train():
    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    mean, std = x.mean(), x.std()
    x, x_test = (x - mean) / std, torch.tensor((x_test - mean) / std)
    for seed in args.seeds:
        torch.manual_seed(seed)
        keep = np.random.default_rng(seed).permutation(len(x))[: int((1 - args.holdout) * len(x))]
        x_train, y_train = torch.tensor(x[keep]), torch.tensor(y[keep])
        model = make_model()
        optimizer = torch.optim.Adam(model.parameters(), 1e-3)
        steps = args.epochs * math.ceil(len(x_train) / 32)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps - 1) / (steps - 1))))
        loss_fn = nn.CrossEntropyLoss()
        total = 0.0
        for epoch in range(args.epochs):
            model.train()
            start = time.perf_counter()
            order = torch.randperm(len(x_train))
            for i in range(0, len(x_train), 32):
                batch = order[i : i + 32]
                optimizer.zero_grad()
                loss_fn(model(x_train[batch]), y_train[batch]).backward()
                optimizer.step()
                schedule.step()
            seconds = time.perf_counter() - start
            total += seconds
            model.eval()
            with torch.no_grad():
                predicted = torch.cat([model(x_test[i : i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)])
            accuracy = (predicted.numpy() == y_test).mean()
            print(f"seed {seed} epoch {epoch + 1}: test accuracy {accuracy:.4f}, {seconds:.1f} s", flush=True)
        print(f"seed {seed}: test accuracy {accuracy:.4f}, {total / args.epochs:.1f} s per epoch "
              f"({args.threads} thread(s), torch {torch.__version__})", flush=True)


if __name__ == "__main__":
    latency() if args.latency else train()
