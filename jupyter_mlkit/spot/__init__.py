"""Managed spot training: exact-resume checkpoints, interruption notices, a restarting supervisor,
costs and savings, and launch on SageMaker.

Inside a training script::

    ckpt = Checkpointer(every_steps=100)
    ckpt.track(model=model, optimizer=opt, scheduler=sched, loader=loader)
    for step in range(ckpt.restore(), total_steps):
        ...
        ckpt.step(step + 1)
    ckpt.finish()

Around it: ``run_spot_job(["python", "train.py"], checkpoint_uri=..., max_run_s=...)``.
Importing this package is cheap: torch and boto3 load only when a checkpoint or S3 needs them.
"""

from .checkpointer import INTERRUPTED_EXIT_CODE, Checkpointer
from .costs import CostSummary, load_prices, placement_advice, savings_pct, summarise
from .keras import KerasState
from .notices import Notice, NoticeWatcher
from .placement import NoPriceHistory, PlacementAdvice, PriceHistoryUnavailable
from .result import InterruptionRecord, SpotJobResult
from .s3 import S3Storage
from .sagemaker import build_training_job_request, describe, follow, launch_on_sagemaker
from .sampler import ResumableLoader, ResumableSampler
from .simulate import Interruption, InterruptionPlan
from .state import CheckpointMismatchError
from .storage import (
    CheckpointError,
    CheckpointSaveError,
    CheckpointStorageError,
    LocalStorage,
    open_storage,
)
from .supervisor import run_spot_job

__all__ = [
    "INTERRUPTED_EXIT_CODE",
    "CheckpointError",
    "CheckpointMismatchError",
    "CheckpointSaveError",
    "CheckpointStorageError",
    "Checkpointer",
    "CostSummary",
    "Interruption",
    "InterruptionPlan",
    "InterruptionRecord",
    "KerasState",
    "LocalStorage",
    "NoPriceHistory",
    "Notice",
    "NoticeWatcher",
    "PlacementAdvice",
    "PriceHistoryUnavailable",
    "ResumableLoader",
    "ResumableSampler",
    "S3Storage",
    "SpotJobResult",
    "build_training_job_request",
    "describe",
    "follow",
    "launch_on_sagemaker",
    "load_prices",
    "open_storage",
    "placement_advice",
    "run_spot_job",
    "savings_pct",
    "summarise",
]
