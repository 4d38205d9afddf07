"""The VAE of samples/Generative in PyTorch (PyTorch's examples/vae recipe), for comparison with StaticNet:

    Linear(784, 400) ReLU -> Linear(400, 40) = [mu | logvar] -> z = mu + exp(0.5 logvar) * eps
    -> Linear(20, 400) ReLU -> Linear(400, 784) logits

Loss as StaticNet computes it: (BCEWithLogits(logits, x, reduction='sum') + KLD) / x.numel(), KLD =
-0.5 * sum(1 + logvar - mu^2 - exp(logvar)), so that loss * 784 is the negative ELBO per image. Adam 1e-3, batch 128,
all 60,000 training images shuffled each epoch, pixels in [0, 1]. Prints, per epoch, the training ELBO averaged over the
epoch's batches (z sampled) and the test ELBO at z = mu (StaticNet's ComputeLoss), in nats per image, and the seconds.

    /usr/bin/python3 benchmarks/pytorch/vae.py [--epochs 10] [--threads 2] [--seed 1] [--limit N] [--data DIR]
"""
import argparse, gzip, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--limit", type=int, default=0, help="train on the first N training images only (0: all), as the sample's --limit")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


def images(name):
    with gzip.open(f"{args.data}/{name}", "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(data.astype(np.float32) / 255.0).reshape(-1, 784)


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 400), nn.Linear(400, 40)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x, sample=True):
        h = self.fc2(torch.relu(self.fc1(x)))
        mu, logvar = h[:, :20], h[:, 20:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if sample else mu
        return self.fc4(torch.relu(self.fc3(z))), mu, logvar


def loss_of(model, x, sample=True):
    logits, mu, logvar = model(x, sample)
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (bce + kld) / x.numel()


train, test = images("train-images-idx3-ubyte.gz"), images("t10k-images-idx3-ubyte.gz")
if args.limit:
    train = train[:args.limit]
model = Vae()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
print(f"PyTorch {torch.__version__}, {args.threads} thread(s); {len(train):,} training, {len(test):,} test images")
total = time.perf_counter()
for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()
    model.train()
    order = torch.randperm(len(train))
    loss_sum = 0.0
    for i in range(0, len(train), 128):
        x = train[order[i:i + 128]]
        optimizer.zero_grad()
        loss = loss_of(model, x)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(x)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        test_elbo = -loss_of(model, test, sample=False).item() * 784
    print(f"epoch {epoch:2}: train ELBO {-loss_sum / len(train) * 784:8.2f}, test ELBO (z = mean) {test_elbo:8.2f}  ({seconds:.1f} s)")
print(f"Training: {time.perf_counter() - total:.1f} s for {args.epochs} epoch(s)")
