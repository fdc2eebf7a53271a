"""The reflection network of docs/method.md §1 and its training objective.

m parallel chains of depth L (L weight layers):
    h1 = |w_i . x + b_i1|,  hl = |v_il * h(l-1) + b_il| (l = 2..L-1),
    f(x) = sum_i alpha_i h(L-1)_i + xi.
Objective (constants binding): 1/2 ||f(X) - y||^2 + beta/L * penalty, where the
penalty is sum_i ||w_i||_1^L + sum_l |v_il|^L + |alpha_i|^L (biases not penalised).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .io import check_depth

CHAIN_PARAMETERS = ("first_weight", "first_bias", "inner_weight", "inner_bias", "output_weight")


def _check_shape(dim: int, depth: int, width: int) -> tuple[int, int, int]:
    """Validate a network's shape; return (depth, dim, width)."""
    depth = check_depth(depth)
    if width < 1 or dim < 1:
        raise ValueError(f"width and dim must be >= 1 (got width={width}, dim={dim})")
    return depth, dim, width


class ReflectionNetwork(nn.Module):
    """Sum of m deep narrow |.| chains, vectorised over chains."""

    def __init__(self, dim: int, depth: int, width: int, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.depth, self.dim, self.width = _check_shape(dim, depth, width)
        inner = depth - 2
        self.first_weight = nn.Parameter(torch.randn(width, dim, dtype=dtype) / dim**0.5)
        self.first_bias = nn.Parameter(torch.randn(width, dtype=dtype))
        self.inner_weight = nn.Parameter(torch.randn(width, inner, dtype=dtype))
        self.inner_bias = nn.Parameter(torch.randn(width, inner, dtype=dtype))
        self.output_weight = nn.Parameter(torch.randn(width, dtype=dtype) / width**0.5)
        self.output_bias = nn.Parameter(torch.zeros((), dtype=dtype))

    def chain_outputs(self, X: torch.Tensor) -> torch.Tensor:
        """(n, m) outputs h(L-1) of every chain, before the output weights."""
        h = torch.abs(X @ self.first_weight.T + self.first_bias)
        for level in range(self.depth - 2):
            h = torch.abs(self.inner_weight[:, level] * h + self.inner_bias[:, level])
        return h

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.chain_outputs(X) @ self.output_weight + self.output_bias

    def penalty(self) -> torch.Tensor:
        """sum_i ||w_i||_1^L + sum_l |v_il|^L + |alpha_i|^L (without beta/L)."""
        L = self.depth
        return (
            self.first_weight.abs().sum(dim=1).pow(L).sum()
            + self.inner_weight.abs().pow(L).sum()
            + self.output_weight.abs().pow(L).sum()
        )

    @classmethod
    def from_unit_chains(cls, coef, W, b1, C, intercept, dtype=torch.float64) -> ReflectionNetwork:
        """Network whose chain i equals coef_i * g_i (docs/method.md §2, reconstruction).

        gamma = |z|^(1/L); w = gamma w, b1 = gamma b1, v_l = gamma, b_l = -gamma^l c_l,
        alpha = sign(z) gamma.  Its objective equals the Lasso objective of (coef, intercept).
        """
        coef, b1 = np.asarray(coef, float), np.asarray(b1, float)
        W = np.atleast_2d(np.asarray(W, float))
        C = np.asarray(C, float).reshape(len(coef), -1)
        depth = C.shape[1] + 2
        net = cls(W.shape[1], depth, max(len(coef), 1), dtype=dtype)
        gamma = np.abs(coef) ** (1.0 / depth)
        levels = np.arange(2, depth)  # layer index l of each inner offset
        values = {
            "first_weight": gamma[:, None] * W,
            "first_bias": gamma * b1,
            "inner_weight": np.repeat(gamma[:, None], depth - 2, axis=1),
            "inner_bias": -(gamma[:, None] ** levels) * C,
            "output_weight": np.sign(coef) * gamma,
        }
        with torch.no_grad():
            for name, value in values.items():
                getattr(net, name).copy_(torch.as_tensor(value.reshape(getattr(net, name).shape)))
            if len(coef) == 0:
                for p in net.parameters():
                    p.zero_()
            net.output_bias.fill_(float(intercept))
        return net

    def load_chains(self, source: ReflectionNetwork) -> None:
        """Put the chains of ``source`` into chains 0..k-1; set the output bias to the source's."""
        _check_chain_source(self, source)
        k = source.width
        with torch.no_grad():
            for name in CHAIN_PARAMETERS:
                getattr(self, name)[:k] = getattr(source, name)
            self.output_bias.fill_(float(source.output_bias))

    def to_unit_chains(self):
        """Inverse map: (coef, W, b1, C, intercept) with chain i = coef_i * g_i exactly.

        Uses positive homogeneity of |.|: dividing layer 1 by s1 = ||w||_1 and each inner
        layer by the running scale turns chain i into a unit chain times a scalar.
        Chains with a zero weight anywhere are constant; their value is folded into the
        intercept (they cost penalty but contribute only a constant).
        """
        with torch.no_grad():
            w = self.first_weight.detach().cpu().double().numpy()
            b = self.first_bias.detach().cpu().double().numpy()
            v = self.inner_weight.detach().cpu().double().numpy()
            bv = self.inner_bias.detach().cpu().double().numpy()
            alpha = self.output_weight.detach().cpu().double().numpy()
            intercept = float(self.output_bias)
        scale = np.abs(w).sum(axis=1)
        live = scale > 0
        W = w / np.where(live, scale, 1.0)[:, None]
        b1 = b / np.where(live, scale, 1.0)
        C = np.zeros((len(b), self.depth - 2))
        for level in range(self.depth - 2):
            # |v S g + b| = |v| S |g - c| with c = -b / (v S)
            live &= v[:, level] != 0
            C[:, level] = -bv[:, level] / np.where(live, v[:, level] * scale, 1.0)
            scale = scale * np.abs(v[:, level])
        coef = np.where(live, alpha * scale, 0.0)
        with torch.no_grad():
            origin = torch.zeros(1, self.dim, dtype=self.first_weight.dtype)
            constant = self.chain_outputs(origin.to(self.first_weight.device))[0]
            constant = constant.cpu().double().numpy()
        intercept += float(np.sum(np.where(live, 0.0, alpha * constant)))
        return coef, W, b1, C, intercept


class StandardNetwork(nn.Module):
    """Fully connected |.| network: L weight layers (L-1 hidden layers of width m), biases.

    The penalty is the per-unit analogue of the paper's l1^L penalty (docs/training.md):
    sum over hidden units of ||incoming weights||_1^L plus sum_i |output weight_i|^L.
    For chain-structured weights (one unit per layer, see ``load_chains``) it equals the
    reflection network's penalty, and for L = 2 the two architectures coincide.
    """

    def __init__(self, dim: int, depth: int, width: int, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.depth, self.dim, self.width = _check_shape(dim, depth, width)
        sizes = [dim] + [width] * (depth - 1)
        self.hidden = nn.ModuleList(
            nn.Linear(n_in, n_out, dtype=dtype)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.output = nn.Linear(width, 1, dtype=dtype)  # PyTorch default initialisation

    @property
    def output_bias(self) -> nn.Parameter:
        """The output bias xi (named like the reflection network's)."""
        return self.output.bias

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        h = X
        for layer in self.hidden:
            h = torch.abs(layer(h))
        return self.output(h).reshape(-1)

    def penalty(self) -> torch.Tensor:
        """sum over hidden units of ||row||_1^L + sum_i |output_i|^L (without beta/L)."""
        L = self.depth
        rows = sum(layer.weight.abs().sum(dim=1).pow(L).sum() for layer in self.hidden)
        return rows + self.output.weight.abs().pow(L).sum()

    def load_chains(self, source: ReflectionNetwork) -> None:
        """Put the chains of ``source`` into units 0..k-1 of every hidden layer.

        Unit i of layer 1 gets chain i's first-layer weights; unit i of layer l >= 2 reads
        only unit i of layer l-1 (its row is zero elsewhere), so the unit computes chain i
        exactly (docs/method.md §4, 'simulated').  Other units are left as they are; the
        output bias is set to the source's.
        """
        _check_chain_source(self, source)
        k = source.width
        with torch.no_grad():
            self.hidden[0].weight[:k] = source.first_weight
            self.hidden[0].bias[:k] = source.first_bias
            units = torch.arange(k)
            for level, layer in enumerate(self.hidden[1:]):
                layer.weight[:k] = 0.0
                layer.weight[units, units] = source.inner_weight[:, level]
                layer.bias[:k] = source.inner_bias[:, level]
            self.output.weight[0, :k] = source.output_weight
            self.output.bias.fill_(float(source.output_bias))


def _check_chain_source(target: nn.Module, source: ReflectionNetwork) -> None:
    if (source.dim, source.depth) != (target.dim, target.depth):
        raise ValueError(
            f"chains of dimension {source.dim} and depth {source.depth} do not fit a network "
            f"of dimension {target.dim} and depth {target.depth}"
        )
    if source.width > target.width:
        raise ValueError(f"{source.width} chains do not fit into width {target.width}")


def training_objective(net: nn.Module, X, y, beta: float) -> torch.Tensor:
    """1/2 ||net(X) - y||^2 + beta/L * net.penalty(), the paper's constants (no 1/n)."""
    param = next(net.parameters())
    X = torch.as_tensor(X, dtype=param.dtype, device=param.device)
    y = torch.as_tensor(y, dtype=param.dtype, device=param.device)
    residual = net(X).reshape(-1) - y.reshape(-1)
    return 0.5 * residual.pow(2).sum() + beta / net.depth * net.penalty()
