#!/usr/bin/env python3
"""Fixtures for StaticNet's attention-family layers (issue 19): LayerNorm on vectors and sequences, positional
encodings, sequence pooling, multi-head attention and transformer encoder layers, each in a small PyTorch model whose
state_dict loads strictly into the StaticNet declaration in the metadata's "csharp"
(tests/StaticNet.Tests/Networks/AttentionParityTests.cs).

Run from anywhere:  /usr/bin/python3 tests/reference/make_attention_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/, for each fixture NAME:

  attn_NAME.safetensors     model.state_dict(), nothing else
  attn_NAME_io.safetensors  input; target; output (eval mode); loss (train mode, nn.MSELoss, mean); grad.{name} for
                            every parameter; adam.{name}, every parameter after one torch.optim.Adam(lr=0.01) step
"""

import math
import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors as write_fixture  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def write_safetensors(name, tensors, metadata):
    """Writes fixtures/<name> with make_fixtures.py's writer (float32 safetensors, sorted metadata)."""
    write_fixture(os.path.join(OUT_DIR, name), tensors, metadata)


def perturb_norms(model):
    """Non-trivial LayerNorm affine parameters (PyTorch initialises them to ones and zeros)."""
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


class SinusoidalPositions(nn.Module):
    """PyTorch's tutorial PositionalEncoding, batch first, without dropout; its table a non-persistent buffer."""

    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, x):
        return x + self.pe[: x.size(1)]


class LearnedPositions(nn.Embedding):
    """x + pos(arange(steps)) for an nn.Embedding(max_positions, d) 'pos', as PyTorch code usually writes learned positions."""

    def forward(self, x):
        return x + super().forward(torch.arange(x.size(1)))


class Pool(nn.Module):
    """A sequence to a vector: mean over steps, first step or last step (an expression in PyTorch, not a module)."""

    def __init__(self, mode):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        return x.mean(dim=1) if self.mode == "mean" else x[:, 0] if self.mode == "first" else x[:, -1]


class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention(batch_first=True) as self-attention, optionally with the causal mask."""

    def __init__(self, embed_dim, heads, causal=False):
        super().__init__(embed_dim, heads, batch_first=True)
        self.causal = causal

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.size(1)) if self.causal else None
        return super().forward(x, x, x, attn_mask=mask, need_weights=False)[0]


class Encoder(nn.Module):
    """nn.TransformerEncoder of `layers` nn.TransformerEncoderLayer(batch_first=True, dropout=0), optionally causal."""

    def __init__(self, d_model, heads, ff, layers, activation, norm_first, causal):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, activation=activation, batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        with torch.no_grad():  # the layers start as deep copies of one another: make them differ
            for later in self.encoder.layers[1:]:
                for p in later.parameters():
                    p.add_(torch.randn_like(p) * 0.1)
        self.causal = causal

    def forward(self, x):
        if self.causal:
            mask = nn.Transformer.generate_square_subsequent_mask(x.size(1))
            return self.encoder(x, mask=mask)
        return self.encoder(x)


class Named(nn.Module):
    """Submodules applied in order, each under the given attribute name (None: not a module, no name)."""

    def __init__(self, *parts):
        super().__init__()
        self.parts = []
        for i, (name, module) in enumerate(parts):
            if name is not None:
                setattr(self, name, module)
            self.parts.append(module)

    def forward(self, x):
        for module in self.parts:
            x = module(x)
        return x


def fixtures():
    """(name, batch, input shape, module factory, the StaticNet declaration after [Input])."""
    # A vector: LayerNorm over 20 features (one and a quarter 16-float vectors, so the padding mask matters).
    yield ("layernorm_vector", 4, (6,),
           lambda: nn.Sequential(nn.Linear(6, 20), nn.LayerNorm(20), nn.ReLU(), nn.Linear(20, 3)),
           "[Dense(20)] [LayerNorm] [ReLU] [Dense(3)]")
    # A sequence: LayerNorm first (on the input's 7 features), then per step Linear → LayerNorm(eps 1e-3) → Linear.
    yield ("layernorm_sequence", 3, (5, 7),
           lambda: nn.Sequential(nn.LayerNorm(7), nn.Linear(7, 18), nn.LayerNorm(18, eps=1e-3), nn.Linear(18, 4)),
           "[LayerNorm] [Dense(18)] [LayerNorm(Epsilon = 1e-3f)] [Dense(4)]")
    # Learned positions (a 10-row table for 6 steps, under the module name 'pos'), LayerNorm, mean over steps.
    yield ("positions_learned", 3, (6, 5),
           lambda: Named(("proj", nn.Linear(5, 12)), ("pos", LearnedPositions(10, 12)), ("norm", nn.LayerNorm(12)),
                         (None, Pool("mean")), ("head", nn.Linear(12, 3))),
           '[Dense(12, Name = "proj")] [PositionalEmbedding(MaxPositions = 10, Name = "pos")] [LayerNorm(Name = "norm")] [SequencePool] [Dense(3, Name = "head")]')
    # Fixed sinusoidal positions on the input (first layer), then per step Linear → GELU, the first step pooled.
    yield ("positions_sinusoidal_first", 4, (7, 6),
           lambda: Named(("pe", SinusoidalPositions(6)), ("fc", nn.Linear(6, 10)), ("act", nn.GELU()),
                         (None, Pool("first")), ("out", nn.Linear(10, 2))),
           '[SinusoidalPositions(Name = "pe")] [Dense(10, Activation.GELU, Name = "fc")] [SequencePool(SequencePooling.First)] [Dense(2, Name = "out")]')
    # Sinusoidal positions after a projection to 18 features, the last step pooled.
    yield ("positions_sinusoidal_last", 3, (5, 4),
           lambda: Named(("fc", nn.Linear(4, 18)), ("pe", SinusoidalPositions(18)), ("norm", nn.LayerNorm(18)),
                         (None, Pool("last")), ("out", nn.Linear(18, 2))),
           '[Dense(18, Name = "fc")] [SinusoidalPositions(Name = "pe")] [LayerNorm(Name = "norm")] [SequencePool(SequencePooling.Last)] [Dense(2, Name = "out")]')


def attention_fixtures():
    # Self-attention, E 8 in 2 heads (in_proj 24 → 32 padded columns), after a projection, with and without the causal mask.
    for causal in (False, True):
        suffix = "causal" if causal else "full"
        yield (f"mha_{suffix}", 3, (6, 5),
               lambda causal=causal: Named(("proj", nn.Linear(5, 8)), ("attn", SelfAttention(8, 2, causal)),
                                           (None, Pool("mean")), ("head", nn.Linear(8, 3))),
               f'[Dense(8, Name = "proj")] [MultiHeadAttention(8, 2{", Causal = true" if causal else ""}, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]')
    # Attention first (on the input, E 16 in 4 heads), per-step output.
    yield ("mha_first", 2, (5, 16),
           lambda: Named(("attn", SelfAttention(16, 4, True)), ("out", nn.Linear(16, 2))),
           '[MultiHeadAttention(16, 4, Causal = true, Name = "attn")] [Dense(2, Name = "out")]')


def encoder_fixtures():
    """Two-layer nn.TransformerEncoder (d 16, 4 heads, feed-forward 24) both norm orders, ReLU and GELU, with and without
    the causal mask, after a projection and first."""
    cases = [("encoder_post_relu", False, "relu", False, False, "mean"),
             ("encoder_pre_gelu_causal", True, "gelu", True, False, "last"),
             ("encoder_first_post_gelu", False, "gelu", False, True, "first"),
             ("encoder_first_pre_relu_causal", True, "relu", True, True, "mean")]
    pooling = {"mean": "", "first": "SequencePooling.First", "last": "SequencePooling.Last"}
    for name, norm_first, activation, causal, first, pool in cases:
        options = (f", Activation = Activation.{'GELU' if activation == 'gelu' else 'ReLU'}"
                   + (", NormFirst = true" if norm_first else "") + (", Causal = true" if causal else "") + ", Dropout = 0f")
        layers = " ".join(f'[TransformerEncoderLayer(16, 4, 24{options}, Name = "body.encoder.layers.{i}")]' for i in range(2))
        parts = [] if first else [("proj", nn.Linear(5, 16))]
        declaration = (("" if first else '[Dense(16, Name = "proj")] ') + layers
                       + (f" [SequencePool({pooling[pool]})]" if pooling[pool] else " [SequencePool]") + ' [Dense(3, Name = "head")]')
        yield (name, 3, (6, 16) if first else (6, 5),
               lambda parts=parts, norm_first=norm_first, activation=activation, causal=causal, pool=pool: Named(
                   *parts, ("body", Encoder(16, 4, 24, 2, activation, norm_first, causal)), (None, Pool(pool)),
                   ("head", nn.Linear(16, 3))),
               declaration)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 1919
    only = set(sys.argv[1:])
    for name, batch, shape, factory, declaration in list(fixtures()) + list(attention_fixtures()) + list(encoder_fixtures()):
        seed += 1
        if only and name not in only:
            continue
        torch.manual_seed(seed)
        model = factory()
        perturb_norms(model)
        for m in model.modules():  # non-zero attention biases (PyTorch starts them at zero)
            if isinstance(m, nn.MultiheadAttention):
                with torch.no_grad():
                    m.in_proj_bias.uniform_(-0.3, 0.3)
                    m.out_proj.bias.uniform_(-0.3, 0.3)
        inputs = torch.randn(batch, *shape)
        state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        model.eval()
        with torch.no_grad():
            eval_output = model(inputs)
        target = torch.randn_like(eval_output)
        model.train()
        output = model(inputs)
        loss = nn.MSELoss()(output, target)
        loss.backward()
        metadata = {"torch_version": torch.__version__, "seed": str(seed), "csharp": declaration,
                    "generator": "tests/reference/make_attention_fixtures.py"}
        write_safetensors(f"attn_{name}.safetensors", state, metadata)
        io = OrderedDict([("input", inputs), ("target", target), ("output", eval_output), ("loss", loss.reshape(1))])
        for n, p in model.named_parameters():
            io["grad." + n] = p.grad.detach().clone()
        torch.optim.Adam(model.parameters(), lr=0.01).step()
        for n, p in model.named_parameters():
            io["adam." + n] = p.detach().clone()
        write_safetensors(f"attn_{name}_io.safetensors", io, metadata)


if __name__ == "__main__":
    main()
