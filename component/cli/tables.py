"""Tables for people, at any terminal width, printing data exactly as it is.

Two rules every human-readable listing of the CLI follows:

- **Data is never markup.** Contact names, tenant names, spec descriptions and error texts come
  from Xero, users and spec authors; rich would read ``Acme [/] Traders`` as a closing tag (and
  crash) and ``Go to [app name]`` as a style (and print "Go to "), and ``:smile:`` as an emoji.
  ``data_console`` turns all of that off, so text prints as written.
- **Nothing is cut or dropped.** The first column (the key a user copies) never wraps; the other
  columns wrap. When the terminal is too narrow for every column at a readable width, each row
  becomes a block instead (the key on its own line, then ``column: value`` lines), so a key is
  never shortened to ``additionalFiel…`` and no column disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

#: The narrowest a wrapping column may get in table layout before blocks are used instead.
MIN_COLUMN = 8
#: A column never gets narrower than its longest word, up to this (longer tokens, e.g. URLs,
#: are folded rather than given a column of their own).
LONGEST_WORD = 24
#: Spaces between columns.
COLUMN_GAP = 1


@dataclass(frozen=True)
class Column:
    header: str
    #: The narrowest readable width of this column in table layout (its header's length if more).
    min_width: int = MIN_COLUMN
    justify: str = "left"


def data_console(*, stderr: bool = False, width: int | None = None) -> Console:
    """A console that prints data as written: no markup, no emoji codes, no highlighting."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False, highlight=False, width=width)


def print_rows(
    console: Console,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
) -> None:
    """Print ``rows`` as a table if the width allows every column, else one block per row."""
    if console.width >= table_width(columns, rows):
        console.print(_table(title, columns, rows))
    else:
        _blocks(console, title, columns, rows)


def table_width(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> int:
    """The narrowest terminal that shows the table with whole keys and whole words."""
    return sum(_min_widths(columns, rows)) + COLUMN_GAP * (len(columns) - 1)


def _min_widths(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[int]:
    """The key column: its longest key. Others: header, floor and longest word (capped)."""
    widths = [max([len(columns[0].header), *(len(row[0]) for row in rows)])]
    for index, column in enumerate(columns[1:], 1):
        words = [len(word) for row in rows for word in row[index].split()]
        longest = min(max(words, default=0), LONGEST_WORD)
        widths.append(max(len(column.header), column.min_width, longest))
    return widths


def _table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> object:
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=Text(title),
        title_justify="left",
        box=None,
        padding=(0, COLUMN_GAP, 0, 0),
        pad_edge=False,
        header_style="bold underline",
    )
    widths = _min_widths(columns, rows)
    table.add_column(Text(columns[0].header), no_wrap=True, min_width=widths[0])
    for column, width in zip(columns[1:], widths[1:], strict=True):
        table.add_column(
            Text(column.header),
            overflow="fold",
            min_width=width,
            justify=column.justify,  # type: ignore[arg-type]
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _blocks(
    console: Console, title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]
) -> None:
    from rich.padding import Padding
    from rich.text import Text

    console.print(Text(title, style="bold"), overflow="fold")
    for row in rows:
        console.print(Text(row[0], style="bold"), overflow="fold")
        for column, cell in zip(columns[1:], row[1:], strict=True):
            if cell:
                line = Text(f"{column.header}: {cell}", overflow="fold")
                console.print(Padding(line, (0, 0, 0, 2), expand=False))
