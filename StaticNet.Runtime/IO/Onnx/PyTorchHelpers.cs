namespace StaticNet.IO.Onnx;

/// <summary>
/// The Python helpers every generated <c>PyTorchSource</c> starts with: modules that keep PyTorch's parameter names while
/// taking and returning what StaticNet's layers do (batch-first recurrent layers returning their sequence or last step,
/// self-attention, positions, sequence pools, token ids as floats).
/// </summary>
public static class PyTorchHelpers
{
    /// <summary>The Python source of the helper modules (imports <c>math</c>, <c>torch</c> and <c>torch.nn</c>).</summary>
    public const string Source = @"import math
import torch
from torch import nn


class Embedding(nn.Embedding):
    """"""nn.Embedding that takes the ids as StaticNet's Forward does (floats).""""""

    def forward(self, x):
        return super().forward(x.long())


def _recurrent(base):
    class Recurrent(base):
        """"""A batch_first recurrent layer that returns its output sequence, or its last step (output[:, -1]).""""""

        def __init__(self, input_size, hidden_size, return_sequences=False, **kwargs):
            super().__init__(input_size, hidden_size, batch_first=True, **kwargs)
            self.return_sequences = return_sequences

        def forward(self, x):
            y = super().forward(x)[0]
            return y if self.return_sequences else y[:, -1]

    Recurrent.__name__ = base.__name__
    return Recurrent


LSTM = _recurrent(nn.LSTM)
GRU = _recurrent(nn.GRU)
RNN = _recurrent(nn.RNN)


def _causal_mask(steps, device):
    return torch.triu(torch.full((steps, steps), float('-inf'), device=device), diagonal=1)


class SelfAttention(nn.MultiheadAttention):
    """"""nn.MultiheadAttention(batch_first=True) as self-attention, optionally causal.""""""

    def __init__(self, embed_dim, num_heads, dropout=0.0, causal=False):
        super().__init__(embed_dim, num_heads, dropout=dropout, batch_first=True)
        self.causal = causal

    def forward(self, x):
        mask = _causal_mask(x.shape[1], x.device) if self.causal else None
        return super().forward(x, x, x, need_weights=False, attn_mask=mask)[0]


class TransformerEncoderLayer(nn.TransformerEncoderLayer):
    """"""nn.TransformerEncoderLayer(batch_first=True), optionally causal.""""""

    def __init__(self, d_model, nhead, dim_feedforward, dropout=0.0, activation='relu', layer_norm_eps=1e-5, norm_first=False, causal=False):
        super().__init__(d_model, nhead, dim_feedforward, dropout=dropout, activation=activation,
                         layer_norm_eps=layer_norm_eps, batch_first=True, norm_first=norm_first)
        self.causal = causal

    def forward(self, x):
        mask = _causal_mask(x.shape[1], x.device) if self.causal else None
        return super().forward(x, src_mask=mask)


class PositionalEmbedding(nn.Module):
    """"""Learned positions: the first T rows of weight added to [N, T, F].""""""

    def __init__(self, rows, features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(rows, features))

    def forward(self, x):
        return x + self.weight[: x.shape[1]]


class SinusoidalPositions(nn.Module):
    """"""Fixed sine/cosine positions added to [N, T, F] (no parameters).""""""

    def __init__(self, steps, features):
        super().__init__()
        position = torch.arange(steps, dtype=torch.float32).unsqueeze(1)
        frequency = torch.exp(torch.arange(0, features, 2, dtype=torch.float32) * (-math.log(10000.0) / features))
        table = torch.zeros(steps, features)
        table[:, 0::2] = torch.sin(position * frequency)
        table[:, 1::2] = torch.cos(position * frequency)
        self.register_buffer('table', table, persistent=False)

    def forward(self, x):
        return x + self.table[: x.shape[1]]


class SequencePool(nn.Module):
    """"""[N, T, F] -> [N, F]: the mean over the steps (0), the first step (1) or the last (2).""""""

    def __init__(self, pooling):
        super().__init__()
        self.pooling = pooling

    def forward(self, x):
        return x.mean(dim=1) if self.pooling == 0 else x[:, 0] if self.pooling == 1 else x[:, -1]


class GlobalAvgPool(nn.Module):
    """"""AdaptiveAvgPool to 1 and Flatten: [N, C, ...] -> [N, C].""""""

    def forward(self, x):
        return x.mean(dim=tuple(range(2, x.dim())))


class Add(nn.Module):
    """"""[Add]: the element-wise sum of its operands (a residual connection).""""""

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y


class Multiply(nn.Module):
    """"""[Multiply]: the element-wise product of its operands (gating).""""""

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return y


class Concatenate(nn.Module):
    """"""[Concatenate]: the operands joined along dim (1 = channels of [N, C, ...], -1 = features of [N, F] or [N, T, F]).""""""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, *xs):
        return torch.cat(xs, dim=self.dim)


class Reparameterize(nn.Module):
    """"""[Reparameterize]: [mean | logvar] -> the mean in eval mode; in training mode mean + exp(0.5 * logvar) * eps with eps from
    torch's generator (not StaticNet's: the samples differ). The KL term is the caller's to add to the loss.""""""

    def __init__(self, latent):
        super().__init__()
        self.latent = latent

    def forward(self, x):
        mean = x[..., : self.latent]
        if not self.training:
            return mean
        logvar = x[..., self.latent :]
        return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
";
}
