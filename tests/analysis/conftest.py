"""Fixtures for the analysis tests: a dataset and an inventory with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from chimera.ingest.inventory import Inventory

from .data import make_dataset, make_inventory


@pytest.fixture
def dataset() -> pd.DataFrame:
    return make_dataset()


@pytest.fixture
def inventory() -> Inventory:
    return make_inventory()
