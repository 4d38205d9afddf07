"""The QuickStart's Fashion-MNIST run in PyTorch, for comparison: 784 -> 128 ReLU -> 10, Adam 1e-3 annealed along a
cosine per batch, batch 32, 5 epochs, 90 % of the training images (the rest held out), inputs standardised with the
training images' mean and deviation. Prints test accuracy and seconds per epoch.

    /usr/bin/python3 benchmarks/pytorch/fashion_mlp.py [--threads 1] [--seeds 1 2 3] [--data DIR]
"""
import argparse, gzip, math, time
import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()
torch.set_num_threads(args.threads)

def images(name):
    return np.frombuffer(gzip.open(f"{args.data}/{name}").read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255

def labels(name):
    return np.frombuffer(gzip.open(f"{args.data}/{name}").read(), np.uint8, offset=8).astype(np.int64)

x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
mean, std = x.mean(), x.std()
x, x_test = (x - mean) / std, (x_test - mean) / std

for seed in args.seeds:
    torch.manual_seed(seed)
    keep = np.random.default_rng(seed).permutation(len(x))[: int(0.9 * len(x))]
    x_train, y_train = torch.tensor(x[keep]), torch.tensor(y[keep])
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    steps = args.epochs * math.ceil(len(x_train) / 32)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps - 1) / (steps - 1))))
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for epoch in range(args.epochs):
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), 32):
            batch = order[i : i + 32]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimizer.step()
            schedule.step()
    seconds = (time.perf_counter() - start) / args.epochs
    with torch.no_grad():
        accuracy = (model(torch.tensor(x_test)).argmax(1).numpy() == y_test).mean()
    print(f"seed {seed}: test accuracy {accuracy:.4f}, {seconds:.2f} s per epoch ({args.threads} thread(s), torch {torch.__version__})", flush=True)
