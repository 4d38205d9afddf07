"""samples/ResNet's FashionResNet and its recipe in PyTorch, for comparison with StaticNet:

    conv1 (3x3, 16, no bias) bn1 relu
    layer1.0: BasicBlock(16 -> 16), identity shortcut
    layer2.0: BasicBlock(16 -> 32, stride 2), shortcut downsample = Conv2d(16, 32, 1, stride 2, no bias) + BatchNorm2d(32)
    layer2.1: BasicBlock(32 -> 32), identity shortcut
    AdaptiveAvgPool2d(1), Flatten, fc = Linear(32, 10)

torchvision's module names, so the safetensors StaticNet writes (samples/ResNet --save FILE) load strictly (--load FILE
evaluates them on the test images). Recipe: pixels in [0, 1], RandomCrop(28, padding=2) + RandomHorizontalFlip
(done per batch on tensors), SGD(lr 0.1, momentum 0.9, nesterov, weight decay 5e-4) along OneCycleLR(max_lr 0.1)
stepped per batch, batch 128, cross-entropy; prints test accuracy and training seconds per epoch.

    OPENBLAS_CORETYPE=SKYLAKEX /usr/bin/python3 benchmarks/pytorch/resnet_fashion.py [--epochs 10] [--limit N] [--seed 1] [--threads 2]
    /usr/bin/python3 benchmarks/pytorch/resnet_fashion.py --load fashion-resnet.safetensors
    /usr/bin/python3 benchmarks/pytorch/resnet_fashion.py --latency [--calls 2000]     (batch-1 eval forward, 1 thread)
    /usr/bin/python3 benchmarks/pytorch/resnet_fashion.py --onnx benchmarks/pytorch/fashion_resnet.onnx

torch 1.13 (Debian's python3-torch); no safetensors or onnx package needed.
"""
import argparse, gzip, json, math, statistics, struct, time
import numpy as np
import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--limit", type=int, default=0, help="train on the first N training images only (0: all)")
parser.add_argument("--load", help="evaluate a safetensors file written by samples/ResNet --save")
parser.add_argument("--latency", action="store_true")
parser.add_argument("--calls", type=int, default=2000)
parser.add_argument("--onnx", help="write the (untrained, seeded) model as ONNX to this path")
args = parser.parse_args()
torch.set_num_threads(1 if args.latency else args.threads)


class BasicBlock(nn.Module):
    def __init__(self, inputs, outputs, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.downsample = None
        if stride != 1 or inputs != outputs:
            self.downsample = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class FashionResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32))
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(x.mean((2, 3)))


def images(name):
    return np.frombuffer(gzip.open(f"{args.data}/{name}").read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255


def labels(name):
    return np.frombuffer(gzip.open(f"{args.data}/{name}").read(), np.uint8, offset=8).astype(np.int64)


def test_accuracy(model, x_test, y_test):
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(x_test[i : i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)])
    return (predicted.numpy() == y_test).mean()


def augment(batch, generator):
    """RandomCrop(28, padding=2) and RandomHorizontalFlip on a [N, 1, 28, 28] batch."""
    n = batch.shape[0]
    padded = torch.nn.functional.pad(batch, (2, 2, 2, 2))
    shifts = torch.randint(0, 5, (n, 2), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(batch)
    for i in range(n):
        dy, dx = int(shifts[i, 0]), int(shifts[i, 1])
        crop = padded[i, :, dy : dy + 28, dx : dx + 28]
        out[i] = crop.flip(2) if flips[i] else crop
    return out


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        body = f.read()
    kinds = {"F32": np.float32, "I64": np.int64, "F64": np.float64}
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        state[name] = torch.from_numpy(np.frombuffer(body[begin:end], kinds[entry["dtype"]]).reshape(entry["shape"]).copy())
    return state


def train():
    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    x_test, y_test = torch.tensor(images("t10k-images-idx3-ubyte.gz")), labels("t10k-labels-idx1-ubyte.gz")
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    x_train, y_train = torch.tensor(x), torch.tensor(y)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    model = FashionResNet()
    optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps_per_epoch = math.ceil(len(x_train) / 128)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, epochs=args.epochs, steps_per_epoch=steps_per_epoch,
                                                   cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss()
    total = 0.0
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train), generator=generator)
        loss_sum = 0.0
        for i in range(0, len(x_train), 128):
            batch = order[i : i + 128]
            optimizer.zero_grad()
            loss = loss_fn(model(augment(x_train[batch], generator)), y_train[batch])
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(batch)
        seconds = time.perf_counter() - start
        total += seconds
        accuracy = test_accuracy(model, x_test, y_test)
        print(f"epoch {epoch + 1}: training loss {loss_sum / len(x_train):.4f}, test accuracy {accuracy:.4f}, {seconds:.1f} s", flush=True)
    print(f"{len(x_train)} training images, {args.epochs} epochs: test accuracy {accuracy:.4f}, {total:.1f} s "
          f"({total / args.epochs:.1f} s per epoch, {args.threads} thread(s), torch {torch.__version__})", flush=True)


def load():
    model = FashionResNet()
    model.load_state_dict(read_safetensors(args.load), strict=True)
    x_test, y_test = torch.tensor(images("t10k-images-idx3-ubyte.gz")), labels("t10k-labels-idx1-ubyte.gz")
    print(f"{args.load}: loaded strictly; test accuracy {test_accuracy(model, x_test, y_test):.4f} in PyTorch")


def latency():
    torch.manual_seed(1)
    model = FashionResNet().eval()
    x = torch.randn(1, 1, 28, 28)
    times = []
    with torch.no_grad():
        for _ in range(max(100, args.calls // 10)):
            model(x)
        for _ in range(args.calls):
            start = time.perf_counter_ns()
            model(x)
            times.append(time.perf_counter_ns() - start)
    print(f"batch-1 eval forward: median {statistics.median(times) / 1e3:.1f} µs, min {min(times) / 1e3:.1f} µs "
          f"over {args.calls} calls (1 thread, torch {torch.__version__})")


def write_safetensors(path, state):
    header, offset, blobs = {}, 0, []
    for name, tensor in state.items():
        data = tensor.detach().contiguous().numpy()
        kind = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[data.dtype]
        header[name] = {"dtype": kind, "shape": list(data.shape), "data_offsets": [offset, offset + data.nbytes]}
        blobs.append(data.tobytes())
        offset += data.nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def export(path):
    """The seeded model in eval mode, its BatchNorms given random statistics and affine parameters (so that the check
    against StaticNet exercises them), as ONNX (opset 13) and as safetensors next to it (same name, .safetensors)."""
    torch.manual_seed(1)
    model = FashionResNet().eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    torch.onnx.export(model, torch.randn(1, 1, 28, 28), path, input_names=["input"], output_names=["logits"], opset_version=13)
    weights = path.rsplit(".", 1)[0] + ".safetensors"
    write_safetensors(weights, model.state_dict())
    print(f"wrote {path} and {weights}")


if __name__ == "__main__":
    if args.load:
        load()
    elif args.latency:
        latency()
    elif args.onnx:
        export(args.onnx)
    else:
        train()
