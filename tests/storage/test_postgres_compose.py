"""docker-compose.yml and the Dockerfile are documentation that this test keeps honest: every
xero-wa service runs a real command with real options, the topology is the one the README
describes (PostgreSQL, a one-shot migration, two receivers, one worker), and the image is
non-root with a health check on /healthz."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from component.cli import UsageError, build_parser
from component.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return loaded


def product_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_every_service_command_is_a_real_cli_command(compose: dict[str, Any]) -> None:
    parser = build_parser()
    services = product_services(compose)
    assert services, "no xero-wa service in docker-compose.yml"
    for name, service in services.items():
        command = service["command"]
        assert isinstance(command, list), f"{name}: write the command as a list (exec form)"
        try:
            args = parser.parse_args(command)
        except UsageError as exc:
            pytest.fail(f"{name}: `xero-wa {' '.join(command)}` is not a valid command: {exc}")
        assert getattr(args, "handler", None), f"{name}: `{' '.join(command)}` runs nothing"


def test_the_topology_is_postgres_a_migration_two_receivers_and_a_worker(
    compose: dict[str, Any],
) -> None:
    services = product_services(compose)
    commands = {name: s["command"] for name, s in services.items()}
    receivers = [n for n, c in commands.items() if c[0] == "serve"]
    workers = [n for n, c in commands.items() if c[0] == "worker"]
    migrations = [n for n, c in commands.items() if c[:2] == ["db", "upgrade"]]
    assert len(receivers) == 2
    assert len(workers) == 1
    assert len(migrations) == 1
    for name in receivers:
        assert "--no-worker" in commands[name], f"{name} should only receive"
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    for name in workers:
        assert services[name]["healthcheck"] == {"disable": True}  # no HTTP port to probe
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert services[migrations[0]]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_process_uses_the_compose_postgres(compose: dict[str, Any]) -> None:
    env = compose["services"]["postgres"]["environment"]
    for name, service in product_services(compose).items():
        url = service["environment"]["XERO_WA_DATABASE_URL"]
        match = re.fullmatch(
            r"postgresql://(\w+):(\$\{POSTGRES_PASSWORD[^}]*\})@postgres:5432/(\w+)", url
        )
        assert match, f"{name}: XERO_WA_DATABASE_URL={url}"
        assert (match.group(1), match.group(3)) == (env["POSTGRES_USER"], env["POSTGRES_DB"])
        assert match.group(2) == env["POSTGRES_PASSWORD"]


def test_every_variable_passed_is_a_setting(compose: dict[str, Any]) -> None:
    """A misspelt variable would be silently ignored by the product: each must be a setting."""
    known = {name.upper() for name in Settings.model_fields}
    for name, service in product_services(compose).items():
        for variable, value in service["environment"].items():
            assert variable in known, f"{name}: {variable} is not a xero-wa setting"
            assert value.startswith("${") or variable == "XERO_WA_DATABASE_URL", (
                f"{name}: {variable} must come from the environment, not be written in the file"
            )


def test_ports_match_the_port_each_receiver_listens_on(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    exposed = re.search(r"^EXPOSE (\d+)$", dockerfile, re.M)
    assert exposed
    for name, service in product_services(compose).items():
        command = service["command"]
        if command[0] != "serve":
            continue
        port = command[command.index("--port") + 1]
        assert port == exposed.group(1)
        assert all(mapping.endswith(f":{port}") for mapping in service["ports"]), name
        assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - in a container


def test_the_image_is_small_non_root_and_checks_healthz() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert all(image.endswith("-slim") for image in stages), stages
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users, "the image must name its user"
    assert users[-1] not in ("root", "0"), "the image must not run as root"
    health = re.search(r"^HEALTHCHECK .*?\n(?:.*\\\n)*.*$", dockerfile, re.M)
    assert health
    assert "/healthz" in health.group(0)
    assert re.search(r'^ENTRYPOINT \["xero-wa"\]$', dockerfile, re.M)
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    assert {".git", ".venv", "tests", ".env"} <= set(ignored)
