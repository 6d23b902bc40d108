"""``GET /readyz`` when the store cannot be used: 503 at once, and nothing secret in the body.

A load balancer's probe must learn within seconds that the database is gone (a closed port, a
file deleted under the running service), not after the connection pool's 30 s wait; the answer
is public, so it never shows the database URL, its password or the file's path.
"""

from __future__ import annotations

import anyio
import pytest
from pydantic import SecretStr

from component.config import Settings
from tests.service.conftest import ServiceFactory
from tests.storage import pg_drop_proxy, postgres_backends
from tests.storage.pg_drop_proxy import DropProxy
from tests.storage.postgres_backends import postgres_only, sqlite_only

# Each failure belongs to one backend: a server gone (PostgreSQL), a file gone or overwritten
# (SQLite); the service runs on the run's store (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
api_settings = postgres_backends.api_settings
proxy = pg_drop_proxy.proxy

pytestmark = pytest.mark.anyio

UNAVAILABLE = {"status": "unavailable", "reason": "the store cannot be read"}
#: Far under the pool's 30 s wait, far over the 2 s the check allows itself: a bound, not a timing.
DEADLINE_SECONDS = 10


@postgres_only("the server behind the URL goes away")
async def test_an_unreachable_postgres_is_503_at_once_without_the_url(
    make_service: ServiceFactory, proxy: DropProxy, api_settings: Settings
) -> None:
    assert api_settings.xero_wa_database_url is not None
    through = proxy.url(api_settings.xero_wa_database_url.get_secret_value())
    url = through.replace("postgres@", "postgres:s3cret-pw@", 1)
    settings = api_settings.model_copy(update={"xero_wa_database_url": SecretStr(url)})
    service = await make_service(settings=settings)
    assert (await service.client.get("/readyz")).status_code == 200
    proxy.close()  # the port is closed now, and every open connection is cut
    with anyio.fail_after(DEADLINE_SECONDS):
        ready = await service.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == UNAVAILABLE
    assert "s3cret" not in ready.text
    assert str(proxy.port) not in ready.text


@sqlite_only("the store's file is deleted under the running service")
async def test_a_store_file_gone_under_the_running_service_is_503(
    make_service: ServiceFactory,
) -> None:
    """The pool's open connections still read the deleted file: the check opens it anew."""
    service = await make_service()
    assert (await service.client.get("/readyz")).status_code == 200
    store = service.runtime.settings.store_path
    store.unlink()
    with anyio.fail_after(DEADLINE_SECONDS):
        ready = await service.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == UNAVAILABLE
    assert str(store.parent) not in ready.text


@sqlite_only("the store's file is overwritten with something that is not a database")
async def test_a_store_file_that_is_no_longer_a_database_is_503(
    make_service: ServiceFactory,
) -> None:
    service = await make_service()
    store = service.runtime.settings.store_path
    with store.open("r+b") as file:  # the same file, its header overwritten
        file.write(b"this is not a SQLite database" * 4)
    ready = await service.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == UNAVAILABLE
