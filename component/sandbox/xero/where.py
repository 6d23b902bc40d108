"""Xero's ``where`` and ``order`` query syntax: a tokenizer and a recursive-descent parser.

Xero evaluates ``where`` with .NET Dynamic LINQ, so clients send C#-flavoured expressions::

    Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime(2026,06,23)
    Contact.Name.Contains("Peter") OR InvoiceNumber.StartsWith("INV")
    Contact.ContactID==Guid("c1d8...")  &&  (Status=="DRAFT" || Status=="SUBMITTED")

Regexes cannot honour parentheses, quoting or precedence, and a client tested against a lenient
fake breaks on the real thing, so this is a real grammar (``OR`` < ``AND`` < ``NOT`` < comparison)
compiled once into Python predicates over the sandbox's records. Errors raise :class:`QueryError`,
which the API turns into Xero's 400 ``QueryParseException``. String comparisons ignore case, like
Xero's database collation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

Kind = Literal["string", "number", "date", "guid", "bool"]
Predicate = Callable[[Any], bool]
Getter = Callable[[Any], Any]
_TYPE_NAMES = {
    "string": "String",
    "number": "Decimal",
    "date": "DateTime",
    "guid": "Guid",
    "bool": "Boolean",
    "null": "Object",
}


class QueryError(Exception):
    """A ``where``/``order`` Xero would reject; ``str(exc)`` is the message Xero reports."""


@dataclass(frozen=True)
class Field:
    """A queryable property: its kind and how to read it from a record (dates as UTC datetimes)."""

    kind: Kind
    get: Getter


FieldTable = Mapping[str, Field]
"""Queryable fields keyed by lower-cased dotted path (``contact.name``)."""


# -- tokenizer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: Literal["ident", "string", "number", "op", "(", ")", ",", ".", "end"]
    text: str
    pos: int


_OPERATORS = ("==", "!=", "<>", "<=", ">=", "&&", "||", "=", "<", ">", "!", "-")


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),.":
            tokens.append(Token(ch, ch, i))  # type: ignore[arg-type]
            i += 1
        elif ch in "\"'":
            value, i = _read_string(text, i)
            tokens.append(Token("string", value, i))
        elif ch.isdigit():
            start = i
            while i < n and (text[i].isdigit() or text[i] == "."):
                i += 1
            tokens.append(Token("number", text[start:i], start))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("ident", text[start:i], start))
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise QueryError(f"Syntax error '{ch}' (at index {i})")
            tokens.append(Token("op", op, i))
            i += len(op)
    tokens.append(Token("end", "", n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote, i, out = text[start], start + 1, []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            if text.startswith(quote * 2, i):  # "" inside a string is one quote
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise QueryError(f"Unterminated string literal (at index {start})")


# -- value operands --------------------------------------------------------------------------


@dataclass(frozen=True)
class Operand:
    """A compiled value: its kind (``null`` for the literal) and how to compute it."""

    kind: Kind | Literal["null"]
    get: Getter
    constant: bool = False


def _const(kind: Kind | Literal["null"], value: Any) -> Operand:
    return Operand(kind, lambda _record: value, constant=True)


# -- parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, fields: FieldTable, type_name: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.fields = fields
        self.type_name = type_name

    # token helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at_end(self) -> bool:
        return self.tokens[self.i].kind == "end"

    def word(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.text.upper() in words

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            raise QueryError(f"'{kind}' expected (at index {self.tok.pos})")
        return self.take()

    # grammar
    def parse(self) -> Predicate:
        if self.tok.kind == "end":
            raise QueryError("Expression expected (at index 0)")
        predicate = self.or_expr()
        if not self.at_end():
            raise QueryError(f"Syntax error (at index {self.tok.pos})")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.word("OR") or (self.tok.kind == "op" and self.tok.text == "||"):
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(p(record) for p in parts)

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.word("AND") or (self.tok.kind == "op" and self.tok.text == "&&"):
            self.take()
            parts.append(self.not_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda record: all(p(record) for p in parts)

    def not_expr(self) -> Predicate:
        if self.word("NOT") or (self.tok.kind == "op" and self.tok.text == "!"):
            self.take()
            inner = self.not_expr()
            return lambda record: not inner(record)
        return self.comparison()

    def comparison(self) -> Predicate:
        if self.tok.kind == "(":
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        start = self.tok.pos
        left = self.operand()
        if isinstance(left, _BoolResult):
            return left.predicate
        if self.tok.kind == "op" and self.tok.text in ("==", "=", "!=", "<>", "<", ">", "<=", ">="):
            op = self.take().text
            right = self.operand()
            if isinstance(right, _BoolResult):
                raise QueryError(
                    f"Operator '{op}' incompatible with a condition (at index {start})"
                )
            return _compare(op, left, right)
        if left.kind == "bool" and not left.constant:
            return lambda record: left.get(record) is True
        raise QueryError(f"Expression of type 'Boolean' expected (at index {start})")

    def operand(self) -> Operand | _BoolResult:
        tok = self.tok
        if tok.kind == "string":
            self.take()
            return _const("string", tok.text)
        if tok.kind == "number" or (tok.kind == "op" and tok.text == "-"):
            return _const("number", self.number())
        if tok.kind == "(":
            raise QueryError(f"Syntax error (at index {tok.pos})")
        if tok.kind != "ident":
            raise QueryError(f"Expression expected (at index {tok.pos})")
        upper = tok.text.upper()
        if upper in ("TRUE", "FALSE"):
            self.take()
            return _const("bool", upper == "TRUE")
        if upper == "NULL":
            self.take()
            return _const("null", None)
        if upper == "DATETIME" and self.tokens[self.i + 1].kind == "(":
            return _const("date", self.datetime_literal())
        if upper == "GUID" and self.tokens[self.i + 1].kind == "(":
            return _const("guid", self.guid_literal())
        return self.member()

    def number(self) -> float:
        negative = False
        if self.tok.kind == "op" and self.tok.text == "-":
            self.take()
            negative = True
        tok = self.expect("number")
        try:
            value = float(tok.text)
        except ValueError:
            raise QueryError(f"Invalid real literal '{tok.text}' (at index {tok.pos})") from None
        return -value if negative else value

    def args(self) -> list[Token]:
        self.expect("(")
        out: list[Token] = []
        while self.tok.kind != ")":
            if out:
                self.expect(",")
            if self.tok.kind not in ("number", "string"):
                raise QueryError(f"Expression expected (at index {self.tok.pos})")
            out.append(self.take())
        self.take()
        return out

    def datetime_literal(self) -> datetime:
        start = self.take().pos
        parts = self.args()
        if not 3 <= len(parts) <= 6 or any(p.kind != "number" for p in parts):
            raise QueryError(
                f"No applicable constructor exists in type 'DateTime' (at index {start})"
            )
        numbers = [int(float(p.text)) for p in parts] + [0, 0, 0]
        year, month, day, hour, minute, second = numbers[:6]
        try:
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError as exc:
            raise QueryError(f"Invalid DateTime value: {exc} (at index {start})") from None

    def guid_literal(self) -> str:
        start = self.take().pos
        parts = self.args()
        if len(parts) != 1 or parts[0].kind != "string":
            raise QueryError(f"No applicable constructor exists in type 'Guid' (at index {start})")
        try:
            return str(uuid.UUID(parts[0].text))
        except ValueError:
            raise QueryError(
                f"Guid should contain 32 digits with 4 dashes (at index {start})"
            ) from None

    def member(self) -> Operand | _BoolResult:
        path = [self.take()]
        while self.tok.kind == "." and self.tokens[self.i + 1].kind == "ident":
            if self.tokens[self.i + 2].kind == "(":
                break
            self.take()
            path.append(self.take())
        operand = self.resolve(path)
        while self.tok.kind == "." and self.tokens[self.i + 1].kind == "ident":
            self.take()
            method = self.take()
            result = _apply_method(method, operand, self.args())
            if isinstance(result, _BoolResult):
                return result
            operand = result
        return operand

    def resolve(self, path: list[Token]) -> Operand:
        key = ".".join(t.text for t in path).lower()
        found = self.fields.get(key)
        if found is None:
            owner = path[-2].text if len(path) > 1 else self.type_name
            raise QueryError(f"No property or field '{path[-1].text}' exists in type '{owner}'")
        return Operand(found.kind, found.get)


@dataclass(frozen=True)
class _BoolResult:
    predicate: Predicate


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _apply_method(method: Token, target: Operand, args: list[Token]) -> Operand | _BoolResult:
    name = method.text.lower()
    if name in ("tolower", "toupper", "trim") and not args:
        if target.kind != "string":
            raise QueryError(
                f"No applicable method '{method.text}' exists in type "
                f"'{_TYPE_NAMES[target.kind]}' (at index {method.pos})"
            )
        get = target.get
        if name == "trim":
            return Operand("string", lambda r: (get(r) or "").strip())
        return Operand("string", lambda r: get(r) or "")
    if name in ("contains", "startswith", "endswith"):
        if target.kind not in ("string", "guid") or len(args) != 1 or args[0].kind != "string":
            raise QueryError(
                f"No applicable method '{method.text}' exists in type "
                f"'{_TYPE_NAMES[target.kind]}' (at index {method.pos})"
            )
        needle, get = args[0].text.casefold(), target.get
        test: Callable[[str], bool] = {
            "contains": lambda s: needle in s,
            "startswith": lambda s: s.startswith(needle),
            "endswith": lambda s: s.endswith(needle),
        }[name]
        return _BoolResult(lambda r: test((get(r) or "").casefold()))
    raise QueryError(f"No applicable method '{method.text}' exists (at index {method.pos})")


def _compatible(left: Operand, right: Operand) -> bool:
    if "null" in (left.kind, right.kind):
        return True
    if left.kind == right.kind:
        return True
    return {left.kind, right.kind} == {"guid", "string"}


def _compare(op: str, left: Operand, right: Operand) -> Predicate:
    if not _compatible(left, right):
        raise QueryError(
            f"Operator '{op}' incompatible with operand types "
            f"'{_TYPE_NAMES[left.kind]}' and '{_TYPE_NAMES[right.kind]}'"
        )
    lget, rget = left.get, right.get
    if "null" in (left.kind, right.kind):
        if op not in ("==", "=", "!=", "<>"):
            raise QueryError(f"Operator '{op}' incompatible with operand type 'Object'")
        want_null = op in ("==", "=")
        other = rget if left.kind == "null" else lget
        return lambda r: (other(r) in (None, "")) == want_null
    fold = left.kind in ("string", "guid") or right.kind in ("string", "guid")

    def values(record: Any) -> tuple[Any, Any]:
        a, b = lget(record), rget(record)
        return (_fold(a), _fold(b)) if fold else (a, b)

    if op in ("==", "="):
        return lambda r: _eq(*values(r))
    if op in ("!=", "<>"):
        return lambda r: not _eq(*values(r))
    ordering: Callable[[Any, Any], bool] = {
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }[op]

    def ordered(record: Any) -> bool:
        a, b = values(record)
        return a is not None and b is not None and ordering(a, b)

    return ordered


def _eq(a: Any, b: Any) -> bool:
    return bool(a == b)


# -- public API ------------------------------------------------------------------------------


def compile_where(text: str, fields: FieldTable, type_name: str) -> Predicate:
    """Compile a ``where`` expression into a predicate over records; raises QueryError."""
    return _Parser(text, fields, type_name).parse()


def compile_order(text: str, fields: FieldTable, type_name: str) -> list[tuple[Getter, bool]]:
    """``"DueDate DESC, InvoiceNumber"`` → [(getter, descending), ...]; raises QueryError."""
    keys: list[tuple[Getter, bool]] = []
    for raw in text.split(","):
        words = raw.split()
        if not words:
            raise QueryError("Expression expected")
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise QueryError(f"Syntax error in order '{raw.strip()}'")
        path = words[0].lower()
        found = fields.get(path)
        if found is None:
            name = words[0].split(".")[-1]
            owner = words[0].split(".")[-2] if "." in words[0] else type_name
            raise QueryError(f"No property or field '{name}' exists in type '{owner}'")
        keys.append((found.get, len(words) == 2 and words[1].upper() == "DESC"))
    return keys


def sort_records(records: list[Any], keys: list[tuple[Getter, bool]]) -> list[Any]:
    """Stable multi-key sort; missing values sort first ascending (as SQL Server does)."""
    out = list(records)
    for get, descending in reversed(keys):

        def key(record: Any, get: Getter = get) -> tuple[int, Any]:
            value = get(record)
            return (0, "") if value is None else (1, _fold(value))

        out.sort(key=key, reverse=descending)
    return out


def as_datetime(value: date | datetime | None) -> datetime | None:
    """Field getters return dates as midnight-UTC datetimes so DateTime(...) compares directly."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)
