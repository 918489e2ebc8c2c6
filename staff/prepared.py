"""Querysets compiled to SQL once a process.

Building a queryset and compiling it to SQL costs the ORM about as much as PostgreSQL
takes to answer a short query: of the 1.5 ms a complaint's handling log took to read,
0.6 ms went to building and compiling the same statement as on every page before. A
page asks the same shapes of query on every request, changing only an id or a moment.
``Prepared`` builds its queryset once with stand-in values where the real ones go,
compiles it, notes where each stand-in landed among the parameters, and from then on
only puts the real values there. The rows are built as the ORM builds them, from the
compiler's own description of the columns (its converters, the related objects of
``select_related``, the annotations), so the objects are the ones the queryset would
have given.

What a prepared queryset may hold: filters, ``select_related``, ``only``/``defer``,
annotations, ordering, a fixed slice, ``values()`` and ``values_list()``, a UNION;
each varying value a parameter of its own (a list of ids through ``ids_in``, never a
slice bound). ``prefetch_related`` is refused. A stand-in the ORM did not pass through
untouched as a parameter of its own is refused at the first call: a shape it writes
otherwise fails loudly instead of reading the wrong rows. What else the SQL depends on
(the time zone a date is cut in) goes in ``vary``: one compiled statement for each of
its answers.

Scoping stays where it was: a prepared query reads what belongs to a case the view
already fetched through the user's scope (its log, its callbacks, its repair orders).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import weakref
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import (
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

# A stand-in of each kind of value: unlike any value a page asks with (ids are positive,
# times are this century), and each one different.
_INT_BASE = -2_000_000_017
_TIME_BASE = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


def _stand_in(kind: type, at: int) -> Any:
    if kind is int:
        return _INT_BASE - at
    if kind is dt.datetime:
        return _TIME_BASE + dt.timedelta(microseconds=at + 1)
    if kind is dt.date:
        return dt.date(1901, 2, 3 + at)
    if kind is str:
        return f"\x00stand-in {at}\x00"
    if kind is list:  # of ids, as one array parameter (see ``ids_in``)
        return [_INT_BASE - at]
    raise TypeError(f"no stand-in for {kind!r}")


def _same(param: Any, stand_in: Any) -> bool:
    return type(param) is type(stand_in) and param == stand_in


class _Compiled:
    """One shape compiled: the SQL, the parameters with the places of the stand-ins, and
    how a row becomes what the queryset yields."""

    def __init__(self, qs: QuerySet, stand_ins: Sequence[Any]) -> None:
        if qs._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise TypeError("a prepared queryset cannot prefetch")
        # The database is chosen at each call, as the queryset would choose it then
        # (reports.routing sends a report's reads to a replica while it is built); the
        # SQL is the same on each.
        self.fixed_db = qs._db  # type: ignore[attr-defined]
        self.routed_model = qs.model
        self.iterable = qs._iterable_class
        if self.iterable not in (ModelIterable, ValuesIterable, ValuesListIterable):
            raise TypeError("a prepared queryset yields objects, values() or values_list()")
        compiler = qs.query.get_compiler(using=qs.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.places: list[tuple[int, int]] = []
        for value_at, stand_in in enumerate(stand_ins):
            found = [i for i, p in enumerate(self.params) if _same(p, stand_in)]
            if not found:
                raise LookupError(f"value {value_at} is not a parameter of the compiled query")
            self.places += [(i, value_at) for i in found]
        select = compiler.select
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        if self.iterable is not ModelIterable:
            query = qs.query
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
            fields = qs._fields  # type: ignore[attr-defined]
            if self.iterable is ValuesListIterable and fields and list(fields) != self.names:
                raise TypeError("values_list() in another order than its columns")
            return
        self.select = select
        self.klass_info = compiler.klass_info
        self.annotations = dict(compiler.annotation_col_map)
        self.fetch_mode = qs._fetch_mode  # type: ignore[attr-defined]
        fields = self.klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.model: type[Model] = self.klass_info["model"]

    def rows(self, values: Sequence[Any]) -> list[Any]:
        params = list(self.params)
        for param_at, value_at in self.places:
            params[param_at] = values[value_at]
        using = self.fixed_db or router.db_for_read(self.routed_model)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:  # as SQLCompiler.apply_converters
            converted = []
            for row in rows:
                row = list(row)
                for at, (converters, expression) in self.converters.items():
                    for convert in converters:
                        row[at] = convert(row[at], expression, connection)
                converted.append(row)
            rows = converted
        if self.iterable is ValuesIterable:
            names = self.names
            return [dict(zip(names, row, strict=True)) for row in rows]
        if self.iterable is ValuesListIterable:
            return [tuple(row) for row in rows]
        return self._objects(rows, using)

    def _objects(self, rows: list[Any], using: str) -> list[Model]:
        fetch_mode = self.fetch_mode
        populators = get_related_populators(self.klass_info, self.select, using, fetch_mode)
        peers: list[Any] = []
        track = fetch_mode.track_peers
        objects = []
        for row in rows:
            obj = self.model.from_db(
                using, self.init_list, row[self.start : self.end], fetch_mode=fetch_mode
            )
            if track:
                peers.append(weakref.ref(obj))
                obj._state.peers = peers
            for populator in populators:
                populator.populate(row, obj)
            for name, at in self.annotations.items():
                setattr(obj, name, row[at])
            objects.append(obj)
        return objects


class Prepared:
    """``build(*values)`` returns the queryset; ``kinds`` are the types of its values
    (int, datetime, date, str; list: of ids, through ``ids_in``). Calling the Prepared
    with the values returns the list the queryset would have given."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *kinds: type,
        vary: Callable[[], Hashable] | None = None,
    ) -> None:
        self.build = build
        self.kinds = kinds
        self.vary = vary
        self._compiled: dict[Hashable, _Compiled] = {}
        self._lock = threading.Lock()

    def compiled(self) -> _Compiled:
        key = self.vary() if self.vary is not None else None
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    stand_ins = [_stand_in(kind, at) for at, kind in enumerate(self.kinds)]
                    compiled = self._compiled[key] = _Compiled(self.build(*stand_ins), stand_ins)
        return compiled

    def __call__(self, *values: Any) -> list[Any]:
        if len(values) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} values, got {len(values)}")
        for value, kind in zip(values, self.kinds, strict=True):
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise TypeError(f"{value!r} is not a {kind.__name__}")
        return self.compiled().rows(values)


class Shapes:
    """One builder's prepared statements, one for each shape of its query:
    ``build(shape, *values)`` returns the queryset, where ``shape`` (hashable: which
    filters are set, a page's slice) decides all but the values, and ``kinds(shape)``
    gives their types. At most ``most`` shapes are kept (the least recently used goes):
    a list's filters and pages make many, of which a desk uses a few."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        kinds: Callable[[Any], tuple[type, ...]],
        *,
        most: int = 128,
    ) -> None:
        self.build = build
        self.kinds = kinds
        self.most = most
        self._by_shape: dict[Hashable, Prepared] = {}
        self._lock = threading.Lock()

    def __call__(self, shape: Hashable, *values: Any) -> list[Any]:
        with self._lock:
            prepared = self._by_shape.pop(shape, None)
            if prepared is None:
                prepared = Prepared(functools.partial(self.build, shape), *self.kinds(shape))
                while len(self._by_shape) >= self.most:
                    del self._by_shape[next(iter(self._by_shape))]
            self._by_shape[shape] = prepared  # the most recently used last
        return prepared(*values)


def ids_in(ids: Any) -> RawSQL:
    """``pk__in=ids_in(ids)``: a list of ids as one array parameter, so that a prepared
    statement holds any number of them (``pk__in=[...]`` writes one parameter an id)."""
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


def prepared(
    *kinds: type, vary: Callable[[], Hashable] | None = None
) -> Callable[[Callable[..., QuerySet]], Prepared]:
    """Decorator: ``@prepared(int)`` over ``def events(complaint_id): return …``."""

    def wrap(build: Callable[..., QuerySet]) -> Prepared:
        return Prepared(build, *kinds, vary=vary)

    return wrap
