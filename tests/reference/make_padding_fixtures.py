#!/usr/bin/env python3
"""Fixtures for padded token sequences (issue 19): an nn.Embedding(padding_idx=0) first, and every later layer ignoring
the padding steps as PyTorch's masks do: nn.MultiheadAttention(key_padding_mask=tokens == 0), nn.TransformerEncoder(
src_key_padding_mask=tokens == 0), with and without the causal mask, and the mean over the steps that are not padding,
(x * keep).sum(1) / keep.sum(1). Each model's state_dict loads strictly into the StaticNet declaration in the metadata's
"csharp" (tests/StaticNet.Tests/Networks/AttentionPaddingTests.cs), whose [Embedding(…, PaddingIndex = 0)] derives the
same masks from the token ids.

Run from anywhere:  /usr/bin/python3 tests/reference/make_padding_fixtures.py
Needs torch. Deterministic (seeded). Writes to tests/reference/fixtures/, for each fixture NAME:

  attn_pad_NAME.safetensors     model.state_dict(), nothing else
  attn_pad_NAME_io.safetensors  input (token ids as float32, padding 0 at the end of each row); target; output (eval
                                mode); loss (train mode, nn.MSELoss, mean); grad.{name} for every parameter (the
                                padding row of the embedding's is zero); adam.{name} after one torch.optim.Adam(lr=0.01) step
"""

import os
import sys
from collections import OrderedDict

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_attention_fixtures import LearnedPositions, SinusoidalPositions, perturb_norms, write_safetensors  # noqa: E402

VOCABULARY, STEPS, BATCH = 12, 7, 4
LENGTHS = [7, 3, 5, 1]  # real tokens per row; the rest is padding (0)


def masked_mean(x, keep):
    keep = keep.unsqueeze(-1).to(x.dtype)
    return (x * keep).sum(1) / keep.sum(1)


class AttentionModel(nn.Module):
    def __init__(self, causal):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, 8, padding_idx=0)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.head = nn.Linear(8, 3)
        self.causal = causal

    def forward(self, tokens):
        pad = tokens == 0
        x = self.embed(tokens)
        mask = nn.Transformer.generate_square_subsequent_mask(tokens.size(1)) if self.causal else None
        x = self.attn(x, x, x, key_padding_mask=pad, attn_mask=mask, need_weights=False)[0]
        return self.head(masked_mean(x, ~pad))


class EncoderModel(nn.Module):
    def __init__(self, norm_first, activation, causal, learned):
        super().__init__()
        self.embed = nn.Embedding(VOCABULARY, 16, padding_idx=0)
        self.pos = LearnedPositions(STEPS, 16) if learned else SinusoidalPositions(16)
        layer = nn.TransformerEncoderLayer(16, 4, 24, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first)
        self.body = nn.Module()
        self.body.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        with torch.no_grad():
            for later in self.body.encoder.layers[1:]:
                for p in later.parameters():
                    p.add_(torch.randn_like(p) * 0.1)
        self.head = nn.Linear(16, 3)
        self.causal = causal

    def forward(self, tokens):
        pad = tokens == 0
        x = self.pos(self.embed(tokens))
        mask = nn.Transformer.generate_square_subsequent_mask(tokens.size(1)) if self.causal else None
        x = self.body.encoder(x, mask=mask, src_key_padding_mask=pad)
        return self.head(masked_mean(x, ~pad))


def fixtures():
    """(name, factory, the StaticNet declaration after [Input(7)])."""
    for causal in (False, True):
        yield (f"mha{'_causal' if causal else ''}", lambda causal=causal: AttentionModel(causal),
               '[Embedding(12, 8, PaddingIndex = 0, Name = "embed")] '
               f'[MultiHeadAttention(8, 2{", Causal = true" if causal else ""}, Name = "attn")] [SequencePool] [Dense(3, Name = "head")]')
    for name, norm_first, activation, causal, learned in [("encoder_post_relu_learned", False, "relu", False, True),
                                                          ("encoder_pre_gelu_causal_sinusoidal", True, "gelu", True, False)]:
        options = (f", Activation = Activation.{'GELU' if activation == 'gelu' else 'ReLU'}"
                   + (", NormFirst = true" if norm_first else "") + (", Causal = true" if causal else "") + ", Dropout = 0f")
        positions = '[PositionalEmbedding(Name = "pos")]' if learned else '[SinusoidalPositions(Name = "pos")]'
        layers = " ".join(f'[TransformerEncoderLayer(16, 4, 24{options}, Name = "body.encoder.layers.{i}")]' for i in range(2))
        yield (name, lambda n=norm_first, a=activation, c=causal, l=learned: EncoderModel(n, a, c, l),
               f'[Embedding(12, 16, PaddingIndex = 0, Name = "embed")] {positions} {layers} [SequencePool] [Dense(3, Name = "head")]')


def main():
    torch.set_num_threads(1)
    seed = 4190
    for name, factory, declaration in fixtures():
        seed += 1
        torch.manual_seed(seed)
        model = factory()
        perturb_norms(model)
        for m in model.modules():  # non-zero attention biases (PyTorch starts them at zero)
            if isinstance(m, nn.MultiheadAttention):
                with torch.no_grad():
                    m.in_proj_bias.uniform_(-0.3, 0.3)
                    m.out_proj.bias.uniform_(-0.3, 0.3)
        tokens = torch.randint(1, VOCABULARY, (BATCH, STEPS))
        for row, length in enumerate(LENGTHS):
            tokens[row, length:] = 0
        state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        # Eval output with autograd on: PyTorch's no_grad fast path (nested tensors) is another implementation.
        model.eval()
        eval_output = model(tokens).detach()
        target = torch.randn_like(eval_output)
        model.train()
        output = model(tokens)
        loss = nn.MSELoss()(output, target)
        loss.backward()
        assert torch.all(model.embed.weight.grad[0] == 0)
        metadata = {"torch_version": torch.__version__, "seed": str(seed), "csharp": "[Input(7)] " + declaration,
                    "generator": "tests/reference/make_padding_fixtures.py"}
        write_safetensors(f"attn_pad_{name}.safetensors", state, metadata)
        io = OrderedDict([("input", tokens.to(torch.float32)), ("target", target), ("output", eval_output), ("loss", loss.reshape(1))])
        for n, p in model.named_parameters():
            io["grad." + n] = p.grad.detach().clone()
        torch.optim.Adam(model.parameters(), lr=0.01).step()
        for n, p in model.named_parameters():
            io["adam." + n] = p.detach().clone()
        write_safetensors(f"attn_pad_{name}_io.safetensors", io, metadata)
        print(name, declaration)


if __name__ == "__main__":
    main()
