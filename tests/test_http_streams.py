"""The process's connections as asyncio streams (``component.http_streams``): HTTPS to a server
whose certificate is trusted works and is reused, one that is not trusted (or is for another
name) is refused as a connection error, and an unreachable server or a server that does not
answer in time fails as httpx says (``ConnectError``, ``ReadTimeout``)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from component import http_transport

pytestmark = pytest.mark.anyio


@dataclass
class TlsServer:
    url: str
    ca: ssl.SSLContext  # a client context that trusts the server's certificate
    connections: int = 0


def self_signed(folder: Path, name: str, *, with_ip: bool) -> tuple[Path, Path]:
    """A certificate for ``name`` (and 127.0.0.1 ``with_ip``) signed by its own key: (cert,
    key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name)]
                + ([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))] if with_ip else [])
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def serve_tls(
    tmp_path: Path, name: str, *, with_ip: bool = True
) -> tuple[TlsServer, asyncio.Server]:
    cert, key = self_signed(tmp_path, name, with_ip=with_ip)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))
    state = TlsServer("", client_side)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_side)
    state.url = f"https://127.0.0.1:{listening.sockets[0].getsockname()[1]}/"
    return state, listening


@pytest.fixture
async def tls(tmp_path: Path) -> AsyncIterator[TlsServer]:
    state, listening = await serve_tls(tmp_path, "localhost")
    yield state
    listening.close()


async def test_https_to_a_trusted_server_works_over_one_connection(tls: TlsServer) -> None:
    async with httpx.AsyncClient(transport=http_transport.pooled(tls.ca)) as client:
        for _ in range(3):
            response = await client.get(tls.url)
            assert (response.status_code, response.text) == (200, "secret")
    assert tls.connections == 1


async def test_a_certificate_that_is_not_trusted_is_refused(tls: TlsServer) -> None:
    async with httpx.AsyncClient(transport=http_transport.pooled()) as client:  # system CAs
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(tls.url)


async def test_a_certificate_for_another_name_is_refused(tmp_path: Path) -> None:
    other, listening = await serve_tls(tmp_path, "other.test", with_ip=False)
    try:
        async with httpx.AsyncClient(transport=http_transport.pooled(other.ca)) as client:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await client.get(other.url)  # 127.0.0.1: not a name the certificate gives
    finally:
        listening.close()


async def test_nothing_listening_is_a_connect_error() -> None:
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    listening.close()
    await listening.wait_closed()
    async with httpx.AsyncClient(transport=http_transport.pooled()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_a_server_that_does_not_answer_in_time_is_a_read_timeout() -> None:
    hung_up = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the request, never answered
        await reader.read()  # until the client gives up and closes the connection
        writer.close()
        hung_up.set()

    listening = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        timeout = httpx.Timeout(5.0, read=0.05)
        async with httpx.AsyncClient(transport=http_transport.pooled(), timeout=timeout) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"http://127.0.0.1:{port}/")
        await hung_up.wait()  # the client closed the connection it gave up on
    finally:
        listening.close()
