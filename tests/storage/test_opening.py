"""The backend seam of ``Store.open``: settings pick SQLite or PostgreSQL."""

# SQLite only: opening the data home's file; PostgreSQL's opening errors are in
# test_postgres_db.py.

from __future__ import annotations

from pathlib import Path

import pytest

from component.config import Settings
from component.storage.database import StoreError
from component.storage.store import Store


def test_settings_without_a_database_url_open_the_sqlite_file_in_the_home(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, xero_wa_home=tmp_path / "home")  # type: ignore[call-arg]
    store = Store.open(settings)
    try:
        assert store.dialect == "sqlite"
        assert store.location == str(tmp_path / "home" / "state.db")
    finally:
        store.close()


def test_a_database_url_of_another_kind_is_a_store_error_with_the_password_masked() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, xero_wa_database_url="mysql://app:hunter2@db.example:3306/xw"
    )
    with pytest.raises(StoreError) as caught:
        Store.open(settings)
    assert "hunter2" not in caught.value.message
    assert "mysql://app:***@db.example:3306/xw" in caught.value.message
