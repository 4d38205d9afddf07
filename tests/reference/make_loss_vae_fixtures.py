#!/usr/bin/env python3
"""Fixtures for the Huber and L1 losses, per-sample weights and the VAE's Reparameterize layer (issue 18), for
tests/StaticNet.Tests/Networks/LossAndVaeParityTests.cs.

Run from anywhere:  /usr/bin/python3 tests/reference/make_loss_vae_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/:

  wloss_NAME.safetensors the model's state_dict ("fc1.*", "fc2.*") and: input; target (or labels as F32); weights (one
                         per sample); loss and grad.* (unweighted); wloss and wgrad.* (weighted)

  Weighted losses are PyTorch's usual (loss_per_sample * w).mean(): loss_per_sample is the mean over the sample's outputs
  (MSE, BCE, Huber, L1) or the sample's cross-entropy, so all-ones weights give the unweighted mean.

  vae.safetensors        the model's state_dict ("enc1.*", "enc2.*", "dec1.*", "dec2.*") and: input (in [0, 1], also the
                         target); eps (the fixed noise, [batch, latent]); eval_output (decoder(mean)); eval_loss (z =
                         mean, KL included); loss and grad.* (z = mean + exp(0.5 logvar) eps); weights, wloss, wgrad.*
                         (per-sample weights); adam.* (the parameters after one Adam(lr=0.01) step on the unweighted loss)

  The VAE's loss is (BCEWithLogits(logits, x, reduction='sum') + beta * KLD) / x.numel(), with
  KLD = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)) over the latent values and the batch: the KL term reduced as the
  reconstruction loss (StaticNet's BinaryCrossEntropy is a mean over every output of every sample).
"""

import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors as write_fixture  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


class Mlp(nn.Module):
    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        self.fc1 = nn.Linear(inputs, hidden)
        self.fc2 = nn.Linear(hidden, outputs)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def per_sample(name, output, target, beta):
    if name == "mse":
        return ((output - target) ** 2).mean(dim=1)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(output, target, reduction="none").mean(dim=1)
    if name == "huber":
        return F.smooth_l1_loss(output, target, reduction="none", beta=beta).mean(dim=1)
    if name == "huber_default":
        return F.smooth_l1_loss(output, target, reduction="none").mean(dim=1)
    if name == "l1":
        return F.l1_loss(output, target, reduction="none").mean(dim=1)
    if name == "ce":
        return F.cross_entropy(output, target.long(), reduction="none")
    raise ValueError(name)


def reference_loss(name, output, target, beta):
    """PyTorch's module with its default mean reduction, to check per_sample().mean() against it."""
    if name == "mse":
        return nn.MSELoss()(output, target)
    if name == "bce":
        return nn.BCEWithLogitsLoss()(output, target)
    if name == "huber":
        return nn.SmoothL1Loss(beta=beta)(output, target)
    if name == "huber_default":
        return nn.SmoothL1Loss()(output, target)
    if name == "l1":
        return nn.L1Loss()(output, target)
    return nn.CrossEntropyLoss()(output, target.long())


def grads(model, prefix):
    return OrderedDict((prefix + k, p.grad.detach().clone()) for k, p in model.named_parameters())


def loss_fixtures():
    seed = 1800
    for name in ["mse", "bce", "huber", "huber_default", "l1", "ce"]:
        seed += 1
        torch.manual_seed(seed)
        batch, inputs, outputs = 6, 5, 4
        model = Mlp(inputs, 7, outputs)
        x = torch.randn(batch, inputs)
        if name == "ce":
            target = torch.randint(0, outputs, (batch,)).float()
        elif name == "bce":
            target = torch.rand(batch, outputs)
        else:
            target = torch.randn(batch, outputs) * 1.5  # |y − t| on both sides of β
        weights = torch.rand(batch) * 2
        tensors = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        beta = 0.5
        out = model(x)
        loss = per_sample(name, out, target, beta).mean()
        assert torch.allclose(loss, reference_loss(name, out, target, beta), rtol=1e-6, atol=1e-7)
        loss.backward()
        tensors.update(grads(model, "grad."))
        model.zero_grad()
        wloss = (per_sample(name, model(x), target, beta) * weights).mean()
        wloss.backward()
        tensors.update(grads(model, "wgrad."))
        tensors.update(input=x, target=target, weights=weights, loss=loss.detach().reshape(1), wloss=wloss.detach().reshape(1))
        write_fixture(os.path.join(OUT_DIR, f"wloss_{name}.safetensors"), tensors, {"case": name, "torch": torch.__version__})


class Vae(nn.Module):
    def __init__(self, features, hidden, latent):
        super().__init__()
        self.latent = latent
        self.enc1 = nn.Linear(features, hidden)
        self.enc2 = nn.Linear(hidden, 2 * latent)
        self.dec1 = nn.Linear(latent, hidden)
        self.dec2 = nn.Linear(hidden, features)

    def encode(self, x):
        h = self.enc2(torch.relu(self.enc1(x)))
        return h[:, :self.latent], h[:, self.latent:]  # [mean | logvar]

    def decode(self, z):
        return self.dec2(torch.relu(self.dec1(z)))


def vae_loss(model, x, eps, beta, weights=None):
    mu, logvar = model.encode(x)
    z = mu if eps is None else mu + torch.exp(0.5 * logvar) * eps
    logits = model.decode(z)
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
    kld = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    per_sample = bce + beta * kld
    if weights is not None:
        per_sample = per_sample * weights
    return per_sample.sum() / x.numel(), logits


def vae_fixture():
    torch.manual_seed(1900)
    batch, features, hidden, latent, beta = 5, 12, 8, 3, 0.7
    model = Vae(features, hidden, latent)
    with torch.no_grad():  # a log-variance away from 0, so that exp(0.5 logvar) matters
        model.enc2.bias[latent:] += 0.4
    x = torch.rand(batch, features)
    eps = torch.randn(batch, latent)
    weights = torch.rand(batch) * 2
    tensors = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    with torch.no_grad():
        eval_loss, eval_output = vae_loss(model, x, None, beta)
    loss, _ = vae_loss(model, x, eps, beta)
    loss.backward()
    tensors.update(grads(model, "grad."))
    model.zero_grad()
    wloss, _ = vae_loss(model, x, eps, beta, weights)
    wloss.backward()
    tensors.update(grads(model, "wgrad."))
    model.zero_grad()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss2, _ = vae_loss(model, x, eps, beta)
    loss2.backward()
    optimizer.step()
    tensors.update(OrderedDict(("adam." + k, p.detach().clone()) for k, p in model.named_parameters()))
    tensors.update(input=x, eps=eps, weights=weights, eval_output=eval_output, eval_loss=eval_loss.reshape(1),
                   loss=loss.detach().reshape(1), wloss=wloss.detach().reshape(1))
    write_fixture(os.path.join(OUT_DIR, "vae.safetensors"), tensors,
                  {"beta": str(beta), "latent": str(latent), "torch": torch.__version__})


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    loss_fixtures()
    vae_fixture()


if __name__ == "__main__":
    main()
