"""PyTorch zoo models (see zoo.py): compact re-statements of well-known architectures."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .zoo import ZooCase


class Encoder(nn.Module):
    """BERT-like: token + position embeddings, pre-norm Transformer layers, [CLS] classifier."""

    def __init__(self, vocab, d, heads, layers, seq, classes, causal=False):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, seq, d))
        layer = nn.TransformerEncoderLayer(
            d, heads, 4 * d, dropout=0.0, batch_first=True, norm_first=True, activation="gelu"
        )
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.causal = causal
        if causal:
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(seq))
        self.head = nn.Linear(d, vocab if causal else classes)

    def forward(self, ids):
        h = self.tok(ids) + self.pos[:, : ids.shape[1]]
        if self.causal:
            h = self.blocks(h, mask=self.mask, is_causal=True)
            return self.head(self.norm(h))
        return self.head(self.norm(self.blocks(h))[:, 0])


def bert(c, seed) -> ZooCase:
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = Encoder(c["vocab"], c["d"], c["heads"], c["layers"], c["seq"], c["classes"])
    x = torch.randint(0, c["vocab"], (c["batch"], c["seq"]), generator=g)
    y = torch.randint(0, c["classes"], (c["batch"],), generator=g)
    return ZooCase(m, x, y, F.cross_entropy)


def lm_loss(logits, target):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))


def gpt(c, seed) -> ZooCase:
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = Encoder(c["vocab"], c["d"], c["heads"], c["layers"], c["seq"], 0, causal=True)
    tokens = torch.randint(0, c["vocab"], (c["batch"], c["seq"] + 1), generator=g)
    return ZooCase(m, tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous(), lm_loss)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.skip = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            if stride != 1 or cin != cout
            else nn.Identity()
        )

    def forward(self, x):
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.skip(x))


class ResNet(nn.Module):
    def __init__(self, width, blocks, classes):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()
        )
        layers, cin = [], width
        for stage in range(3):
            cout = width * 2**stage
            for i in range(blocks):
                layers.append(BasicBlock(cin, cout, 2 if (i == 0 and stage > 0) else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


def _images(c, seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x = torch.randn(c["batch"], 3, c["res"], c["res"], generator=g)
    y = torch.randint(0, c["classes"], (c["batch"],), generator=g)
    return x, y


def resnet(c, seed) -> ZooCase:
    x, y = _images(c, seed)
    return ZooCase(ResNet(c["width"], c["blocks"], c["classes"]), x, y, F.cross_entropy)


class MBConv(nn.Module):
    """EfficientNet block: 1x1 expand, depthwise 3x3, squeeze-and-excitation, 1x1 project."""

    def __init__(self, cin, cout, stride, expand=4):
        super().__init__()
        mid = cin * expand
        self.expand = nn.Sequential(nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid))
        self.dw = nn.Sequential(
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid)
        )
        self.se_reduce = nn.Conv2d(mid, max(1, cin // 4), 1)
        self.se_expand = nn.Conv2d(max(1, cin // 4), mid, 1)
        self.project = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        h = F.silu(self.dw(F.silu(self.expand(x))))
        s = torch.sigmoid(self.se_expand(F.silu(self.se_reduce(h.mean((2, 3), keepdim=True)))))
        out = self.project(h * s)
        return out + x if self.residual else out


class EfficientNet(nn.Module):
    def __init__(self, width, blocks, classes):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.SiLU()
        )
        layers, cin = [], width
        for stage in range(3):
            cout = width * (stage + 1)
            for i in range(blocks):
                layers.append(MBConv(cin, cout, 2 if (i == 0 and stage > 0) else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


def efficientnet(c, seed) -> ZooCase:
    x, y = _images(c, seed)
    return ZooCase(EfficientNet(c["width"], c["blocks"], c["classes"]), x, y, F.cross_entropy)


def _series(c, seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    x = torch.randn(c["batch"], c["seq"], c["features"], generator=g)
    y = x[:, -1, :1] * 0.5 + 0.1 * torch.randn(c["batch"], 1, generator=g)
    return x, y


class LSTMForecaster(nn.Module):
    def __init__(self, features, hidden, layers):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def lstm(c, seed) -> ZooCase:
    x, y = _series(c, seed)
    return ZooCase(LSTMForecaster(c["features"], c["hidden"], c["layers"]), x, y, F.mse_loss)


class TemporalBlock(nn.Module):
    def __init__(self, cin, cout, dilation):
        super().__init__()
        self.pad = 2 * dilation  # causal: pad on the left only
        self.c1 = nn.Conv1d(cin, cout, 3, dilation=dilation)
        self.c2 = nn.Conv1d(cout, cout, 3, dilation=dilation)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = F.relu(self.c1(F.pad(x, (self.pad, 0))))
        h = F.relu(self.c2(F.pad(h, (self.pad, 0))))
        return F.relu(h + self.skip(x))


class TCN(nn.Module):
    def __init__(self, features, channels, levels):
        super().__init__()
        self.blocks = nn.Sequential(
            *[
                TemporalBlock(features if i == 0 else channels, channels, 2**i)
                for i in range(levels)
            ]
        )
        self.head = nn.Linear(channels, 1)

    def forward(self, x):  # x: (batch, time, features)
        return self.head(self.blocks(x.transpose(1, 2))[:, :, -1])


def tcn(c, seed) -> ZooCase:
    x, y = _series(c, seed)
    return ZooCase(TCN(c["features"], c["channels"], c["levels"]), x, y, F.mse_loss)


def _mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=False):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class DLRM(nn.Module):
    """Dense MLP + embedding tables, pairwise dot-product interaction, top MLP."""

    def __init__(self, dense, tables, rows, emb, hidden):
        super().__init__()
        self.bottom = _mlp([dense, hidden, emb])
        self.emb = nn.ModuleList(nn.Embedding(rows, emb) for _ in range(tables))
        n = tables + 1
        self.register_buffer("iu", torch.triu_indices(n, n, 1), persistent=False)
        self.top = _mlp([emb + n * (n - 1) // 2, hidden, hidden // 2, 1])

    def forward(self, dense, sparse):
        d = self.bottom(dense)
        feats = torch.stack([d] + [e(sparse[:, i]) for i, e in enumerate(self.emb)], dim=1)
        inter = torch.bmm(feats, feats.transpose(1, 2))[:, self.iu[0], self.iu[1]]
        return self.top(torch.cat([d, inter], dim=1))


def dlrm(c, seed) -> ZooCase:
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = DLRM(c["dense"], c["tables"], c["rows"], c["emb"], c["hidden"])
    dense = torch.randn(c["batch"], c["dense"], generator=g)
    sparse = torch.randint(0, c["rows"], (c["batch"], c["tables"]), generator=g)
    y = torch.randint(0, 2, (c["batch"], 1), generator=g).float()
    return ZooCase(m, (dense, sparse), y, F.binary_cross_entropy_with_logits)


def mlp(c, seed) -> ZooCase:
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = _mlp([c["features"]] + [c["hidden"]] * c["layers"] + [c["classes"]])
    x = torch.randn(c["batch"], c["features"], generator=g)
    y = torch.randint(0, c["classes"], (c["batch"],), generator=g)
    return ZooCase(m, x, y, F.cross_entropy)
