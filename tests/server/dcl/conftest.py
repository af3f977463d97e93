"""Session-built demo catalogs (tenant A gets the whole demo, tenant B only Stripe)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.dcl.catalogs import STRIPE_ONLY, build, build_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo-catalog"))


@pytest.fixture(scope="session")
def stripe_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("stripe-catalog"), STRIPE_ONLY)
