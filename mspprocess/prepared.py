"""Fixed-shape ORM queries, compiled to SQL once per process and database.

Django compiles a QuerySet to SQL every time it runs. For the queries every tab
request makes (the tab by its key, with its workspace, connection and settings; the
contact's history), compiling cost three times what running them did, and issue 11
holds a first tab open to three times /healthz's CPU. A `PreparedQuery` builds the
QuerySet once with stand-in values, keeps the SQL and the compiler's column map, and
then only executes: the rows become model instances (related ones included) exactly
as Django's own ModelIterable makes them, converters (decryption, dates) applied.

It leans on two of Django's internals (`SQLCompiler.select`/`klass_info` and
`get_related_populators`), stable since Django 1.11; the tests compare its objects
with the ORM's, so an upgrade that changes them fails there, not in production.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...]  # which value goes to each placeholder
    compiler: SQLCompiler
    converters: dict


class PreparedQuery:
    """`build(**stand_ins)` returns the QuerySet; each stand-in value must be unique
    and valid for its field, so that the compiled parameters say which is which."""

    def __init__(
        self, model: type[Model], build: Callable[..., QuerySet], **stand_ins: Any
    ) -> None:
        if len(set(stand_ins.values())) != len(stand_ins):
            raise ValueError("stand-in values must differ from one another")
        self._model = model
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}  # by database alias

    def _compile(self, alias: str) -> _Compiled:
        queryset = self._build(**self._stand_ins)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        names = {value: name for name, value in self._stand_ins.items()}
        order = tuple(names[value] for value in params)
        converters = compiler.get_converters([column[0] for column in compiler.select])
        compiled = _Compiled(sql, order, compiler, converters)
        self._compiled[alias] = compiled  # a race compiles twice, harmlessly
        return compiled

    def objects(self, **values: Any) -> list[Any]:
        """The query's rows as model instances (related ones attached), for these values."""
        alias = router.db_for_read(self._model)
        compiled = self._compiled.get(alias) or self._compile(alias)
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, [values[name] for name in compiled.order])
            rows = cursor.fetchall()
        if not rows:
            return []
        compiler = compiled.compiler
        if compiled.converters:
            rows = list(compiler.apply_converters(rows, compiled.converters))
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        found = []
        for row in rows:
            obj = klass_info["model"].from_db(alias, attnames, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            found.append(obj)
        return found
