"""``GET /readyz`` when the store cannot be used: 503 at once, and nothing secret in the body.

A load balancer's probe must learn within seconds that the database is gone (a closed port, a
file deleted under the running service), not after the connection pool's 30 s wait; the answer
is public, so it never shows the database URL, its password or the file's path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from component.config import Settings
from tests.service.conftest import API_KEY, ServiceFactory
from tests.storage.pg_drop_proxy import DropProxy
from tests.storage.postgres_fixture import require_server

pytestmark = pytest.mark.anyio

UNAVAILABLE = {"status": "unavailable", "reason": "the store cannot be read"}
#: Far under the pool's 30 s wait, far over the 2 s the check allows itself: a bound, not a timing.
DEADLINE_SECONDS = 10


@pytest.fixture
def proxy() -> Iterator[DropProxy]:
    server = require_server()
    dropper = DropProxy(server, admin_url=server)
    yield dropper
    dropper.close()


async def test_an_unreachable_postgres_is_503_at_once_without_the_url(
    make_service: ServiceFactory, proxy: DropProxy, postgres_url: str, tmp_path: Path
) -> None:
    url = proxy.url(postgres_url).replace("postgres@", "postgres:s3cret-pw@", 1)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        xero_wa_home=tmp_path / "home",
        xero_wa_api_keys=SecretStr(API_KEY),
        xero_wa_database_url=SecretStr(url),
    )
    service = await make_service(settings=settings)
    assert (await service.client.get("/readyz")).status_code == 200
    proxy.close()  # the port is closed now, and every open connection is cut
    with anyio.fail_after(DEADLINE_SECONDS):
        ready = await service.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == UNAVAILABLE
    assert "s3cret" not in ready.text
    assert str(proxy.port) not in ready.text


async def test_a_store_file_gone_under_the_running_service_is_503(
    make_service: ServiceFactory, tmp_path: Path
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


async def test_a_store_file_that_is_no_longer_a_database_is_503(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = await make_service()
    store = service.runtime.settings.store_path
    with store.open("r+b") as file:  # the same file, its header overwritten
        file.write(b"this is not a SQLite database" * 4)
    ready = await service.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == UNAVAILABLE
