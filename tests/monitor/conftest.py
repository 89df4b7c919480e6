"""Paths to the AWS fixtures used by the monitor tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def mm(shared_dir):
    return shared_dir / "fixtures" / "aws" / "model_monitor"


@pytest.fixture
def datasets(shared_dir):
    return shared_dir / "fixtures" / "aws" / "datasets"


@pytest.fixture
def captures(shared_dir):
    return shared_dir / "fixtures" / "aws" / "data_capture"
