"""Write many rows fast: multi-row INSERT on SQLite, COPY on PostgreSQL, in the model's columns.

The ORM's ``bulk_create`` builds a model object per row and adapts every value through its field;
for the hundred-thousand-row writes of the demo generator and the list importer that costs more
than the database does. ``TableWriter`` takes plain tuples in a given column order, fills the
columns it is not given with their defaults, serializes JSON columns, and lets the database assign
an auto primary key that is not listed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


class TableWriter:
    """Insert rows given in ``columns`` order; model fields not listed get their default."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        by_attname = {field.attname: field for field in meta.concrete_fields}
        fields = [str(by_attname[name].column) for name in columns]
        self.json_positions = tuple(
            i for i, name in enumerate(columns) if isinstance(by_attname[name], models.JSONField)
        )
        self.extra: tuple[Any, ...] = ()
        for field in meta.concrete_fields:
            if field.attname in columns or field.db_default is not models.NOT_PROVIDED:
                continue
            if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
                continue  # the database numbers the rows
            if not field.has_default() and not field.null:
                # A column added to the model after the caller was written: teach the caller to fill it.
                raise RuntimeError(f"{meta.label}.{field.name} has no default and is not written")
            fields.append(str(field.column))
            self.extra += (field.get_db_prep_save(field.get_default(), connection),)
        # Identifiers come from the model and are quoted by the backend; every value is a parameter.
        columns_sql = ", ".join(quote(c) for c in fields)
        self.copy_sql = f"COPY {quote(meta.db_table)} ({columns_sql}) FROM STDIN"
        marks = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {quote(meta.db_table)} ({columns_sql}) VALUES ({marks})"  # noqa: S608
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def _prepared(self) -> list[tuple[Any, ...]]:
        rows = self.rows
        if self.json_positions:
            positions = self.json_positions
            rows = [
                tuple(json.dumps(v, ensure_ascii=False) if i in positions else v for i, v in enumerate(row))
                for row in rows
            ]
        return rows if not self.extra else [row + self.extra for row in rows]

    def flush(self) -> None:
        """Write the buffered rows (inside the caller's transaction, if any)."""
        if not self.rows:
            return
        rows = self._prepared()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than INSERT on PostgreSQL; psycopg adapts each value.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, rows)
        self.written += len(rows)
        self.rows = []


def insert_returning(objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Insert a few model instances (of one model) with one ``INSERT … RETURNING id``; set their pks.

    For hot paths that write a handful of rows per request: ``bulk_create`` costs more to compile than
    the database spends on such a statement. ``fields`` are attnames (``episode_id``); each value goes
    through its field's ``get_db_prep_save``, as the ORM sends it; fields not listed get the column's
    default only if the database has one, so list every column without a database default.
    Rows come back in the order given (PostgreSQL and SQLite return them so; ``bulk_create`` relies on
    the same).
    """
    if not objs:
        return
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    by_attname = {field.attname: field for field in meta.concrete_fields}
    model_fields = [by_attname[name] for name in fields]
    params: list[Any] = []
    for obj in objs:
        for name, field in zip(fields, model_fields, strict=True):
            params.append(field.get_db_prep_save(getattr(obj, name), connection))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(str(field.column)) for field in model_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 (names come from the model)
            f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(str(meta.pk.column))}",
            params,
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
