"""The PostgreSQL backend against a real server: SQL translation, rows, transactions, dropped
connections, and the errors a deployment meets first (each naming the URL, password masked)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import psycopg
import pytest

from component.storage.postgres_db import PostgresDatabase, with_search_path
from component.storage.postgres_errors import DatabaseError
from component.storage.postgres_sql import postgres_ddl, translate
from tests.storage.postgres_fixture import require_server


@pytest.fixture
def db(postgres_url: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase.open(postgres_url, max_size=3)
    with database.transaction() as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, n INTEGER)")
    yield database
    database.close()


def test_placeholders_translate_outside_literals_only() -> None:
    sql = "SELECT '?', \"a?\" FROM t WHERE x = ? AND y LIKE 'a%' -- what?\nAND z::text = ?"
    assert translate(sql) == (
        "SELECT '?', \"a?\" FROM t WHERE x = %s AND y LIKE 'a%%' -- what?\nAND z::text = %s"
    )
    assert translate("SELECT 'it''s ?' WHERE a = ?") == "SELECT 'it''s ?' WHERE a = %s"
    assert translate("WHERE a = :who AND b::int = 1", named=True) == (
        "WHERE a = %(who)s AND b::int = 1"
    )


def test_rows_answer_by_name_in_any_case_and_by_position(db: PostgresDatabase) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body, n) VALUES (?, ?, ?)", (1, "a '?' %", 4))
        row = conn.execute("SELECT id, body AS Body, n FROM notes WHERE id = ?", (1,)).fetchone()
    assert (row["id"], row["body"], row["BODY"], row[1], row[2]) == (
        1,
        "a '?' %",
        "a '?' %",
        "a '?' %",
        4,
    )
    assert row.keys() == ["id", "body", "n"]
    assert dict(zip(row.keys(), row, strict=True)) == {"id": 1, "body": "a '?' %", "n": 4}
    with pytest.raises(IndexError, match="nope"):
        row["nope"]


def test_named_parameters(db: PostgresDatabase) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (:id, :body)", {"id": 7, "body": "x"})
        assert conn.execute("SELECT body FROM notes WHERE id = :id", {"id": 7}).fetchone()[0] == "x"


def test_integer_aggregates_are_ints_as_on_sqlite(db: PostgresDatabase) -> None:
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO notes (id, body, n) VALUES (?, ?, ?)", [(1, "a", 2), (2, "b", 3)]
        )
        row = conn.execute("SELECT SUM(n) AS s, AVG(n) AS a, COUNT(*) AS c FROM notes").fetchone()
    assert (row["s"], row["a"], row["c"]) == (5, 2.5, 2)
    assert type(row["s"]) is int


def test_executemany_counts_only_new_rows(db: PostgresDatabase) -> None:
    insert = "INSERT INTO notes (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"
    with db.transaction() as conn:
        assert conn.executemany(insert, [(1, "a"), (2, "b")]).rowcount == 2
    with db.transaction() as conn:
        assert conn.executemany(insert, [(2, "b"), (3, "c")]).rowcount == 1


def test_an_exception_rolls_the_whole_transaction_back(db: PostgresDatabase) -> None:
    def half() -> None:
        with db.transaction() as conn:
            conn.execute("INSERT INTO notes (id, body) VALUES (1, 'half')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        half()
    with db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0


def test_a_failed_statement_is_a_store_error_naming_the_masked_url(db: PostgresDatabase) -> None:
    with pytest.raises(DatabaseError) as caught, db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (1, NULL)")
    assert db.location in caught.value.message
    assert "null value" in caught.value.message


def test_reads_are_read_only(db: PostgresDatabase) -> None:
    with pytest.raises(DatabaseError, match="read-only"), db.read() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (1, 'x')")


def test_immediate_transactions_hold_the_schema_write_lock(
    db: PostgresDatabase, postgres_url: str
) -> None:
    """Another writer cannot start until the first commits: SQLite's BEGIN IMMEDIATE."""
    key = db._write_lock
    with psycopg.connect(postgres_url, autocommit=True) as other:
        probe = "SELECT pg_try_advisory_xact_lock(%s)"
        with db.transaction():
            assert other.execute(probe, (key,)).fetchone()[0] is False
        with db.transaction(immediate=False):
            assert other.execute(probe, (key,)).fetchone()[0] is True


def test_run_retries_a_transaction_whose_connection_dropped(db: PostgresDatabase) -> None:
    """The first attempt inserts, then its connection is killed before the commit: the server
    rolled it back, the second attempt applies it once."""
    attempts: list[int] = []

    def work(conn: object) -> int:
        attempts.append(1)
        conn.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (len(attempts), "x"))  # type: ignore[attr-defined]
        if len(attempts) == 1:
            _kill_own_backend(conn)
        return len(attempts)

    assert db.run(work) == 2
    with db.read() as conn:
        rows = conn.execute("SELECT id FROM notes ORDER BY id").fetchall()
    assert [r["id"] for r in rows] == [2]


def test_a_drop_inside_a_plain_transaction_applies_nothing_and_says_so(
    db: PostgresDatabase,
) -> None:
    def dropped() -> None:
        with db.transaction() as conn:
            conn.execute("INSERT INTO notes (id, body) VALUES (1, 'x')")
            _kill_own_backend(conn)
            conn.execute("INSERT INTO notes (id, body) VALUES (2, 'y')")

    with pytest.raises(DatabaseError) as caught:
        dropped()
    assert caught.value.retryable
    assert caught.value.kind == "unreachable"
    with db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0


def test_pooled_connections_killed_while_idle_are_replaced(db: PostgresDatabase) -> None:
    """A server restart or idle timeout between transactions costs nothing: the pool checks."""
    with db.transaction() as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(require_server(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with db.transaction() as conn:
        conn.execute("INSERT INTO notes (id, body) VALUES (1, 'after')")
    with db.read() as conn:
        assert conn.execute("SELECT body FROM notes").fetchone()[0] == "after"


def test_close_is_safe_twice_and_refuses_later_use(postgres_url: str) -> None:
    database = PostgresDatabase.open(postgres_url)
    database.close()
    database.close()
    with pytest.raises(DatabaseError, match="closed"), database.transaction():
        pass


# ---------------------------------------------------------------------- the first failures met
def test_unreachable_server() -> None:
    port = _free_port()
    with pytest.raises(DatabaseError) as caught:
        PostgresDatabase.open(f"postgresql://app:s3cret@127.0.0.1:{port}/test", connect_timeout=2)
    error = caught.value
    assert error.kind == "unreachable"
    assert f"postgresql://app:***@127.0.0.1:{port}/test" in error.message
    assert "s3cret" not in error.message
    assert "check that the server runs" in error.message
    assert error.exit_code == 11


def test_wrong_credentials() -> None:
    server = require_server()
    bad = _swap_user(server, "xero_wa_nobody:s3cret")
    with pytest.raises(DatabaseError) as caught:
        PostgresDatabase.open(bad)
    assert caught.value.kind == "bad_credentials"
    assert "xero_wa_nobody:***@" in caught.value.message
    assert "s3cret" not in caught.value.message


def test_missing_database() -> None:
    server = require_server()
    missing = _swap_user(server.rsplit("/", 1)[0] + "/xero_wa_no_such_db", "postgres:s3cret")
    with pytest.raises(DatabaseError) as caught:
        PostgresDatabase.open(missing)
    assert caught.value.kind == "missing_database"
    assert "postgres:***@" in caught.value.message
    assert "xero_wa_no_such_db" in caught.value.message
    assert "createdb" in caught.value.message
    assert "s3cret" not in caught.value.message


def test_missing_privileges(postgres_url: str) -> None:
    """A user who may connect but not create tables in the schema is told what to grant."""
    server = require_server()
    role = "xero_wa_test_limited"
    with psycopg.connect(server, autocommit=True) as admin:
        if not admin.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]:
            pytest.skip(reason="the test server's user cannot create roles")
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            admin.execute(f"CREATE ROLE {role} LOGIN")
    database = PostgresDatabase.open(_swap_user(postgres_url, f"{role}:s3cret"))
    try:
        with pytest.raises(DatabaseError) as caught, database.transaction() as conn:
            conn.execute("CREATE TABLE t (id INTEGER)")
    finally:
        database.close()
    assert caught.value.kind == "missing_privileges"
    assert "GRANT" in caught.value.message
    assert f"{role}:***@" in caught.value.message
    assert "s3cret" not in caught.value.message


def test_search_path_url_keeps_other_options() -> None:
    url = with_search_path("postgresql://u@h/db?sslmode=disable", "s1")
    assert url == "postgresql://u@h/db?sslmode=disable&options=-c%20search_path%3Ds1"


# ---------------------------------------------------------------------- helpers
def _kill_own_backend(conn: object) -> None:
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[attr-defined]
    with psycopg.connect(require_server(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _swap_user(url: str, user_info: str) -> str:
    scheme, rest = url.split("://", 1)
    host = rest.split("@", 1)[1] if "@" in rest else rest
    return f"{scheme}://{user_info}@{host}"


def test_a_nested_block_joins_the_outer_transaction(db: PostgresDatabase) -> None:
    """As on SQLite: a read inside a transaction sees its uncommitted rows, on one connection."""
    with db.transaction() as outer:
        outer.execute("INSERT INTO notes (id, body) VALUES (1, 'pending')")
        with db.read() as inner:
            assert inner is outer
            assert inner.execute("SELECT body FROM notes").fetchone()[0] == "pending"
    with db.read() as conn, pytest.raises(RuntimeError, match="inside a read"):
        db.transaction().__enter__()
    del conn


def test_ddl_translation_keeps_meaning() -> None:
    ddl = postgres_ddl(
        "CREATE TABLE t (\n id INTEGER PRIMARY KEY AUTOINCREMENT, -- it's TEXT\n"
        " text TEXT NOT NULL DEFAULT 'TEXT', n INTEGER, b BLOB)"
    )
    assert ddl == (
        "CREATE TABLE t (\n id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, -- it's TEXT\n"
        " text TEXT COLLATE \"C\" NOT NULL DEFAULT 'TEXT', n BIGINT, b BYTEA)"
    )
