"""One settings object everywhere, and bad configuration said clearly (issue 10 items 8, 31).

``connect`` ignored ``.env`` while ``serve`` read it (two settings classes); a bad variable gave
exit 1 "unexpected ...Error" naming nothing. Now every command reads ``component.config``'s one
object, and an unusable value is ``config_error`` (exit 10) naming the variable and where it was
set: the environment, or the ``.env`` file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from component import errors
from component.config import Settings, get_settings
from component.runtime import Runtime
from component.service.app import create_app
from component.service.config import ServiceConfig

CONNECTION = (
    '{"type":"xeroToken","accessToken":"t","tenantId":"6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10"}'
)


def test_connect_whatsapp_reads_the_dotenv_file_like_serve(cli: Any, cli_home: Path) -> None:
    Path(".env").write_text(
        "# the sandbox's env block, saved\n"
        "WHATSAPP_ACCESS_TOKEN=EAAG-from-dotenv\n"
        "WHATSAPP_APP_SECRET=app-secret-from-dotenv\n"
        "WHATSAPP_VERIFY_TOKEN=verify-from-dotenv\n"
        "WHATSAPP_PHONE_NUMBER_ID=106540352242922\n"
        "export WHATSAPP_BUSINESS_ACCOUNT_ID=419561257915477\n"
    )
    result = cli("connect", "whatsapp")
    assert result.code == 0, result.err
    [row] = cli("connections", "--json").json
    assert row["values"]["phoneNumberId"] == "106540352242922"
    assert row["values"]["businessAccountId"] == "419561257915477"
    assert row["values"]["accessToken"] == "***"
    settings = get_settings()
    # serve's webhook secrets come from the same object
    assert settings.whatsapp_app_secret is not None
    assert settings.whatsapp_app_secret.get_secret_value() == "app-secret-from-dotenv"
    assert "EAAG-from-dotenv" not in result.out + result.err


@pytest.mark.anyio
async def test_the_service_reads_the_runtime_settings_when_given_no_other(
    settings: Settings,
) -> None:
    assert ServiceConfig is Settings
    tuned = settings.model_copy(update={"xero_wa_max_body_bytes": 1234})
    runtime = Runtime(settings=tuned)
    try:
        app = create_app(runtime)
        assert app.state.service.config is tuned
    finally:
        await runtime.aclose()


def test_a_bad_variable_is_a_config_error_naming_it(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_DAILY_CALL_BUDGET", "abc")
    result = cli("run", "getInvoice", "-i", "invoiceId=1", "--connection-value", CONNECTION)
    assert result.code == 10
    assert result.out == ""
    assert result.error["code"] == "config_error"
    assert result.error["message"] == (
        "bad configuration: XERO_DAILY_CALL_BUDGET='abc' (environment variable): "
        "input should be a valid integer, unable to parse string as an integer"
    )
    assert "Traceback" not in result.err


def test_a_bad_dotenv_line_names_the_file_and_line(cli: Any, cli_home: Path) -> None:
    dotenv = Path(".env")
    dotenv.write_text("XERO_API_URL=http://127.0.0.1:9\n\nWHATSAPP_MESSAGES_PER_SECOND=-1\n")
    result = cli("connections")
    assert result.code == 10
    [problem] = result.error["details"]["problems"]
    assert problem == {
        "variable": "WHATSAPP_MESSAGES_PER_SECOND",
        "source": f"{dotenv.resolve()}:3",
        "reason": "input should be greater than 0",
        "value": "-1",
    }
    assert f"set in {dotenv.resolve()}:3" in result.error["message"]


def test_every_bad_variable_is_listed_at_once(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XERO_DAILY_CALL_BUDGET", "abc")
    monkeypatch.setenv("WHATSAPP_MESSAGES_PER_SECOND", "-1")
    result = cli("serve", "--port", "0")
    assert result.code == 10
    variables = [p["variable"] for p in result.error["details"]["problems"]]
    assert variables == ["XERO_DAILY_CALL_BUDGET", "WHATSAPP_MESSAGES_PER_SECOND"]


def test_a_data_home_that_is_a_file_is_named(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "home-file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("XERO_WA_HOME", str(not_a_folder))
    result = cli("connections", "--json")
    assert result.code == 10
    [problem] = result.error["details"]["problems"]
    assert problem["variable"] == "XERO_WA_HOME"
    assert problem["reason"] == f"value error, {not_a_folder} is a file, not a folder"


def test_secret_values_are_never_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import BaseModel, Field, SecretStr, ValidationError

    from component.config_problems import config_error

    class Strict(BaseModel):
        xero_wa_api_keys: SecretStr | None = Field(default=None, max_length=3)

    monkeypatch.setenv("XERO_WA_API_KEYS", "hunter2-the-key")
    with pytest.raises(ValidationError) as info:
        Strict(xero_wa_api_keys="hunter2-the-key")  # type: ignore[arg-type]
    error = config_error(info.value, Strict, env_file=Path(".env"))
    assert "hunter2" not in str(error.to_dict())
    assert error.problems[0].variable == "XERO_WA_API_KEYS"


def test_config_error_has_its_own_exit_code_and_status() -> None:
    problem = errors.ConfigProblem("X", "environment", "bad")
    error = errors.ConfigError([problem])
    assert (error.exit_code, error.http_status, error.code) == (10, 500, "config_error")
    assert {e.exit_code for e in errors.ERROR_CLASSES if e is not errors.ConfigError}.isdisjoint(
        {10}
    )


class _EveryDefaultSource(Settings):
    """Settings read through pydantic-settings' own sources, ``.env`` always among them."""

    @classmethod
    def settings_customise_sources(cls, *args: Any, **kwargs: Any) -> Any:
        from pydantic_settings import BaseSettings

        return BaseSettings.settings_customise_sources.__func__(cls, *args, **kwargs)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "dotenv",
    [
        None,
        "",
        "# only a comment\n",
        "XERO_API_URL=http://127.0.0.1:9/from-dotenv/\nXERO_WA_PORT=8123\nUNRELATED=1\n",
        "XERO_WA_LOG_LEVEL=\n",
    ],
    ids=["absent", "empty", "comment", "values", "empty-value"],
)
def test_settings_are_what_every_default_source_reads(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch, dotenv: str | None
) -> None:
    """Leaving out a ``.env`` that sets nothing reads the same settings as reading it."""
    from component.config import ENV_FILE, load_settings

    monkeypatch.setenv("XERO_WA_PORT", "9001")  # the environment still wins over the file
    if dotenv is not None:
        ENV_FILE.write_text(dotenv)
    expected = _EveryDefaultSource(_env_file=ENV_FILE).model_dump()
    assert load_settings().model_dump() == expected
    assert expected["xero_wa_port"] == 9001
