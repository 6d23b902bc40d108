"""``xero-wa run KEY``: invoke one action (or data source) and print ``{"data": ...}``.

Every option is checked before the action is invoked (``--output`` must be a file that can be
written, and only a file result can be saved), because after a write succeeded at Xero a
failure must never lose its result: if saving still fails, the result is printed on stdout
with the error on stderr, so the new invoice's id is never lost to a rerun that duplicates it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from component.cli.app import add_target_options
from component.cli.types import readable_file, writable_file

if TYPE_CHECKING:
    from component.runtime import Runtime
    from component.sessions import Session


def register(commands: Any) -> None:
    p = commands.add_parser("run", help="run one action and print its JSON result")
    p.add_argument("key", help="action key, e.g. listInvoices (see `xero-wa actions`)")
    p.add_argument(
        "--input",
        "-i",
        dest="inputs",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an input value; repeat for several inputs or for list inputs",
    )
    p.add_argument(
        "--inputs-file",
        metavar="FILE",
        type=readable_file,
        help="a JSON object of inputs; '-' reads stdin",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument(
        "--connection", metavar="NAME", help="a connection stored by `xero-wa connect`"
    )
    who.add_argument(
        "--connection-value",
        metavar="JSON",
        help='an inline connection, e.g. {"type":"xeroToken","accessToken":"...","tenantId":"..."}; '
        "@FILE reads it from a file and - from stdin, out of sight of `ps` and shell history "
        "(default: $XERO_WA_CONNECTION_VALUE)",
    )
    p.add_argument(
        "--tenant",
        metavar="NAME|ID",
        help="the organisation to act for: its connections are used (see `xero-wa orgs`)",
    )
    p.add_argument("--datasource", action="store_true", help="KEY is a data source (picklist)")
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        type=writable_file,
        help="write a binary result (PDF, attachment) to FILE",
    )
    add_target_options(p)
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from component.collector import setting_up

    with setting_up():  # everything up to the call lives until the command ends
        import asyncio

        from component.cli import app
        from component.cli.output import emit
        from component.cli.values import check_one_stdin, connection_value
        from component.executor import Executor, Kind
        from component.inputs import from_cli_pairs

        check_one_stdin(
            {"--inputs-file": args.inputs_file, "--connection-value": args.connection_value}
        )
        built = app.build(args)
        runtime = built.runtime
        executor = Executor(runtime)
        kind: Kind = "dataSource" if args.datasource else "action"
        prepared = executor.prepare(args.key, kind)
        if getattr(prepared.loaded.spec, "safety", "read") != "read" and not args.sandbox:
            from component.storage.home import check_single_store

            check_single_store(runtime.settings)  # a write against one of two stores could repeat
        if args.output is not None:
            _check_file_result(prepared.loaded.spec)
        raw = _inputs_file(args.inputs_file) if args.inputs_file else {}
        raw.update(from_cli_pairs(prepared.loaded.spec.inputs, args.inputs))
        connection: Any = args.connection
        if args.connection_value:
            connection = connection_value(args.connection_value, "--connection-value")
        if connection is None:
            connection = built.default_for(prepared.loaded.spec.connection)

    async def invoke() -> dict[str, Any]:
        try:
            session, inputs = await _target(runtime, prepared.loaded, raw, connection, args.tenant)
            return await executor.invoke(
                args.key,
                inputs,
                connection if session is None else None,
                kind=kind,
                source="cli",
                session=session,
            )
        finally:
            await runtime.aclose()

    result = asyncio.run(invoke())
    if args.output is not None:
        try:
            result = {"data": _save(result["data"], args.output)}
        except BaseException:
            emit(result)  # the action ran: its result is printed even though saving failed
            raise
    emit(result)
    return 0


async def _target(
    runtime: Runtime, loaded: Any, raw: dict[str, Any], connection: Any, tenant: str | None
) -> tuple[Session | None, dict[str, Any]]:
    """The organisation's session and inputs with ``--tenant``; without it, no session and the
    inputs as given (the organisations' code is then not imported: a quarter of start-up)."""
    if tenant is None or not tenant.strip():
        return None, raw
    from component.orgs.defaults import OrgDefaults
    from component.orgs.target import for_tenant

    defaults = OrgDefaults.from_config(runtime.settings)
    target = await for_tenant(runtime, defaults, loaded, raw, connection, tenant)
    return target.session, target.inputs


def _check_file_result(spec: Any) -> None:
    """``--output`` on an action declared to answer JSON or text could only fail afterwards."""
    from component import errors

    request = getattr(spec, "request", None)
    if request is not None and request.response.type != "binary":
        raise errors.InputError.single(
            "--output",
            f"{spec.key} answers {request.response.type}, not a file; leave --output out "
            "and redirect stdout instead",
        )


def _inputs_file(name: str) -> dict[str, Any]:
    import json

    from component import errors

    source = "stdin" if name == "-" else name
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.InputError.single(
            "--inputs-file", f"cannot read {source}: {exc.strerror or exc}"
        ) from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.InputError.single(
            "--inputs-file",
            f"{source}: {errors.json_reason(exc)}",
        ) from None
    if not isinstance(value, dict):
        raise errors.InputError.single(
            "--inputs-file", f"{source}: expected a JSON object of inputs"
        )
    return value


def _save(data: Any, path: Path) -> Any:
    from component import errors
    from component.values import Binary

    if not isinstance(data, Binary):
        raise errors.InputError.single("--output", "this action's result is not a file")
    try:
        path.write_bytes(data.data)
    except OSError as exc:
        raise errors.InputError.single(
            "--output", f"cannot write {path}: {exc.strerror or exc}"
        ) from None
    return {
        "savedTo": str(path),
        "contentType": data.content_type,
        "size": len(data.data),
        "fileName": data.file_name,
    }
