"""The alert job runs inside the service: its tests use the service's app and sandbox fixtures,
on both backends (the webhook queue, the worker's claims and the outbox are in the store: every
test runs on SQLite and on PostgreSQL, tests/storage/postgres_backends.py)."""

from tests.service.conftest import (  # noqa: F401  (fixtures, found by pytest by name)
    make_service,
    make_stack,
    sandbox_config,
    service,
    stack,
    stack_config,
)
from tests.storage.postgres_backends import (  # noqa: F401  (fixtures)
    api_settings,
    settings,
    store_backend,
)
