"""List queries shared by every collection: filters, ``where``, ``order``, paging and the cache.

The filtered and ordered id list is cached per (tenant, collection, query) and reused until a write
bumps the collection's version, so paging through a large result filters once. Pages are slices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, overload

from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx
from component.sandbox.xero.where import (
    FieldTable,
    QueryError,
    compile_order,
    compile_where,
    sort_records,
)

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def modified_since(ctx: Ctx) -> datetime | None:
    header = ctx.request.headers.get("if-modified-since")
    return xe.parse_modified_since(header) if header else None


def select(
    ctx: Ctx,
    collection: str,
    records: Callable[[], Iterable[Any]],
    fields: Callable[[], FieldTable],
    type_name: str,
    prefilters: list[Callable[[Any], bool]],
    key_parts: tuple[Any, ...],
    ident: Callable[[Any], str],
    lookup: Callable[[str], Any],
) -> Selection:
    """Records matching the query, in order; cached by id while the collection is unchanged.

    ``key_parts`` must name every input that shapes the result besides ``where``/``order``.
    Raises XeroProblem(400 QueryParseException) for a bad ``where`` or ``order``.
    """
    where, order = ctx.query("where"), ctx.query("order")
    key = (where, order, key_parts)

    def compute() -> list[str]:
        table = fields()
        try:
            tests = list(prefilters)
            if where and where.strip():
                tests.append(compile_where(where, table, type_name))
            keys = compile_order(order, table, type_name) if order and order.strip() else []
        except QueryError as exc:
            raise xe.XeroProblem(xe.query_error(str(exc))) from None
        matched = [r for r in records() if all(test(r) for test in tests)]
        if keys:
            matched = sort_records(matched, keys)
        return [ident(r) for r in matched]

    ids: list[str] = ctx.org.cached(collection, key, compute)
    return Selection(ids, lookup)


class Selection(Sequence[Any]):
    """The matching records as a lazy view over cached ids: a page looks up only its slice.

    Every write bumps the collection's version before the next query, so an id here always
    resolves (the cache never outlives a delete).
    """

    def __init__(self, ids: list[str], lookup: Callable[[str], Any]) -> None:
        self._ids = ids
        self._lookup = lookup

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._lookup(i) for i in self._ids[index]]
        return self._lookup(self._ids[index])


def paging(ctx: Ctx) -> tuple[int, int] | None:
    """(page, pageSize) when the client asked for a page; ``None`` for an unpaged list.

    ``pageSize`` above 1000 is capped at 1000 (Xero's limit); nonsense values fall back to the
    defaults, as Xero does.
    """
    raw_page = ctx.query("page")
    if raw_page is None:
        return None
    page = _int(raw_page, 1)
    size = _int(ctx.query("pageSize"), DEFAULT_PAGE_SIZE)
    return max(1, page), min(MAX_PAGE_SIZE, max(1, size))


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def page_of(items: Sequence[Any], page: int, size: int) -> list[Any]:
    start = (page - 1) * size
    return list(items[start : start + size])


def updated_after(since: datetime | None) -> Callable[[Any], bool] | None:
    if since is None:
        return None
    return lambda record: bool(record.updated > since)
