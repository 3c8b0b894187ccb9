"""The docs name every setting and every endpoint, so neither can be added silently."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from closecalls.app import build_app
from closecalls.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"`{ENV_PREFIX}{field.upper()}`" in (ROOT / "README.md").read_text()


def test_every_route_is_in_the_api_reference(tmp_path: Path) -> None:
    app = build_app(Settings.load({"database": str(tmp_path / "d.db")}, environ={}))
    reference = (ROOT / "docs" / "api.md").read_text()
    for route in [*app.router.routes, *app.operations.values()]:
        for method in route.methods:
            assert f"| {method} | `{route.path}` |" in reference, (method, route.path)


def test_compatibility_table_exists_with_its_columns() -> None:
    text = (ROOT / "docs" / "compatibility.md").read_text()
    assert "| behaviour | what Close does | what closecalls does | evidence |" in text
