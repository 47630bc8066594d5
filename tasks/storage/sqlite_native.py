"""SQLite reads by a native reader (connectorx) in a child process, streamed back as Arrow.

Why a child process: connectorx brings its own copy of SQLite. POSIX file locks belong to the process, so
when that copy closed its connection in our process it dropped the locks our own connections held and, taking
itself for the last reader, cleaned up the WAL under them ("disk I/O error"; see the issue 9 note). In a
child process it is one more reader of the database, which SQLite handles. Why native: Python's sqlite3
builds a Python object per cell, about 130k persons rows a second; connectorx reads about three times that,
and the columns arrive as Arrow, not tuples.

Rows travel over a pipe, never through a file: the roster holds personal data."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

import pyarrow as pa


class NativeReadError(RuntimeError):
    pass


def read_arrow(database: str, queries: dict[str, str]) -> dict[str, pa.Table]:
    """Each named query's rows as an Arrow table, read from the SQLite file `database` by a child process."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-m", "tasks.storage.sqlite_native"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=errors)
        tables: dict[str, pa.Table] = {}
        try:
            child.stdin.write(json.dumps({"database": database, "queries": queries}).encode())
            child.stdin.close()
            for name in queries:
                tables[name] = pa.ipc.open_stream(child.stdout).read_all()
        except (OSError, pa.ArrowInvalid) as exc:
            child.kill()
            failure: Exception | None = exc
        else:
            failure = None
        finally:
            child.stdout.close()
            code = child.wait()
        if failure is not None or code != 0:
            errors.seek(0)
            # The child's last lines say what failed (a SQL or type error); they hold no rows.
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise NativeReadError(f"native SQLite read of {', '.join(queries)} failed (exit {code}): "
                                  + (" | ".join(tail) or str(failure)))
    return tables


def _serve() -> None:
    import connectorx

    spec = json.load(sys.stdin)
    out = sys.stdout.buffer
    for sql in spec["queries"].values():
        table = connectorx.read_sql(f"sqlite://{spec['database']}", sql, return_type="arrow")
        with pa.ipc.new_stream(out, table.schema) as writer:
            writer.write_table(table)
    out.flush()


if __name__ == "__main__":
    _serve()
