"""Data position that survives a restart: a sampler and a loader wrapper with state_dict().

The shuffle order of epoch ``e`` is a permutation drawn from a generator seeded with
``seed + e``, so it never depends on the global RNG or on how many restarts happened. The state is
(epoch, how many items/batches of that epoch were already handed out).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _permutation(n: int, seed: int, epoch: int, shuffle: bool) -> list[int]:
    if not shuffle:
        return list(range(n))
    import torch

    g = torch.Generator()
    g.manual_seed(seed + epoch)
    return torch.randperm(n, generator=g).tolist()


class ResumableSampler:
    """Index sampler for ``DataLoader(sampler=...)`` that resumes mid-epoch at the exact item.

    Exact with ``num_workers=0`` (the loader then asks for indices only as batches are consumed).
    With worker processes the loader prefetches, so use :class:`ResumableLoader` instead, which
    counts batches actually delivered.
    """

    def __init__(self, data_source: Any, *, shuffle: bool = True, seed: int = 0):
        self.n = data_source if isinstance(data_source, int) else len(data_source)
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.position = 0

    def __len__(self) -> int:
        return self.n - self.position

    def __iter__(self) -> Iterator[int]:
        order = _permutation(self.n, self.seed, self.epoch, self.shuffle)
        while self.position < self.n:
            idx = order[self.position]
            self.position += 1
            yield idx
        self.epoch += 1
        self.position = 0

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed, "n": self.n}

    def load_state_dict(self, state: dict[str, int]) -> None:
        if state.get("n", self.n) != self.n:
            raise ValueError(f"sampler was saved for {state['n']} items, this dataset has {self.n}")
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self.seed = int(state.get("seed", self.seed))


class _BatchIndices:
    def __init__(self, owner: ResumableLoader):
        self.owner = owner

    def __len__(self) -> int:
        return self.owner.batches_per_epoch - self.owner.batch

    def __iter__(self) -> Iterator[list[int]]:
        o = self.owner
        order = _permutation(o.n, o.seed, o.epoch, o.shuffle)
        for b in range(o.batch, o.batches_per_epoch):
            yield order[b * o.batch_size : (b + 1) * o.batch_size]


class ResumableLoader:
    """A DataLoader whose position is the number of batches delivered to the training loop.

    ``for x, y in loader`` iterates the rest of the current epoch; the next ``for`` starts the
    next epoch. Track it with ``ckpt.track(loader=loader)``. Any DataLoader keyword (num_workers,
    collate_fn, pin_memory...) passes through; ``batch_size``/``shuffle``/``drop_last`` are ours.
    """

    def __init__(
        self,
        dataset: Any,
        *,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
        **loader_kwargs: Any,
    ):
        self.dataset = dataset
        self.n = len(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.batches_per_epoch = self.n // batch_size if drop_last else -(-self.n // batch_size)
        self.loader_kwargs = loader_kwargs
        self.epoch = 0
        self.batch = 0

    def __len__(self) -> int:
        return self.batches_per_epoch - self.batch

    def __iter__(self) -> Iterator[Any]:
        import torch
        from torch.utils.data import DataLoader

        kwargs = dict(self.loader_kwargs)
        if "generator" not in kwargs:
            # DataLoader draws a base seed from its generator at every iter(); from the global
            # RNG that draw would happen at different points in a resumed run and shift it
            kwargs["generator"] = torch.Generator().manual_seed(self.seed * 1000003 + self.epoch)
        loader = DataLoader(self.dataset, batch_sampler=_BatchIndices(self), **kwargs)
        for item in loader:
            self.batch += 1  # counted when delivered, not when prefetched
            yield item
        self.epoch += 1
        self.batch = 0

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "batch": self.batch, "seed": self.seed, "n": self.n}

    def load_state_dict(self, state: dict[str, int]) -> None:
        if state.get("n", self.n) != self.n:
            raise ValueError(f"loader was saved for {state['n']} items, this dataset has {self.n}")
        self.epoch = int(state["epoch"])
        self.batch = int(state["batch"])
        self.seed = int(state.get("seed", self.seed))
