"""SQL functions that both engines have under different names, compiled per dialect.

``json_array_agg(x)``: the values of ``x`` over a group as a JSON array (SQLite ``json_group_array``,
PostgreSQL ``json_agg``). Over no rows SQLite gives ``[]`` and PostgreSQL ``NULL``; psycopg returns
PostgreSQL's JSON already decoded, SQLite gives the text: :func:`json_list` reads either.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_array_agg(FunctionElement[Any]):
    name = "json_array_agg"
    inherit_cache = True


@compiles(json_array_agg)
def _json_array_agg_default(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg({compiler.process(element.clauses, **kw)})"


@compiles(json_array_agg, "sqlite")
def _json_array_agg_sqlite(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(json_array_agg, "postgresql")
def _json_array_agg_postgresql(element: json_array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg({compiler.process(element.clauses, **kw)})"


def json_list(value: Any) -> list[Any]:
    """A ``json_array_agg`` result as a list (``[]`` for no rows on either engine)."""
    if value is None or value == "[]":  # most members carry no tag: no JSON parse for them
        return []
    if isinstance(value, str | bytes):
        return list(json.loads(value))
    return list(value)
