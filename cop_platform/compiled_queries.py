"""Querysets whose SQL Django builds and compiles once per process, then runs with new values.

The hottest pages (a thread, the thread list) run the same few query shapes on every request
with different values: a thread's id, a community, the viewer. Building such a queryset
(joins, FilteredRelations, subqueries) and compiling it costs Django 2–4 ms of CPU each time;
PostgreSQL then runs the SQL in a fraction of a millisecond. So a
`CompiledQuery` builds its queryset once, with a stand-in value for each argument, compiles it,
remembers where each stand-in landed among the SQL's parameters, and from then on runs that SQL
with the real values, turning the rows into objects with Django's own iterables (models,
`select_related` objects, annotations, values and values_list rows as the queryset would).

SQLAlchemy keeps such a compiled cache built in; for Django, django-prepared-queries did it for
Django 1.x and is no longer maintained, hence this small module.

Each shape is compiled three times, with three different sets of stand-ins: the parameters
that change are the arguments' places, those that stay are constants. A model argument's
stand-in knows only its key: a builder that reads another of its fields (to choose a branch,
say) is refused, since every later run would take the stand-in's branch. What it guards against (each
a `CompiledQueryError` when the shape is first compiled, so a test of the page finds it, never
a wrong answer at run time): an argument that does not reach the SQL as a parameter of its own
(inlined into the SQL text, which then differs between the sets; transformed first, as
`__startswith` makes `x%` of it; or dropped, as Django drops a comparison that cannot hold).
And at run time: None for an argument (the SQL compiled for `= %s` would need `IS NULL`), or a
value of the wrong kind, is refused.

Constants the builder reads from the database or the settings (a content type's id, a page
size) are compiled in with the rest: every compiled shape is dropped after a migration or a
flush (post_migrate, which recreates content types) and when a setting changes (tests).

A shape whose SQL depends on more than the arguments (the viewer's role, a filter present or
not, the page's offset) passes that as `shape`, a hashable the builder receives: each shape is
compiled once (at most `max_shapes` are kept, the least recently run dropped first).

`CompiledSQL` does the same for SQL a caller assembles from several querysets (search's UNION
of every content type), giving back the SQL and this run's parameters; its arguments may
differ from shape to shape. `stand_in` makes a model instance that knows only the fields it
is given, for a builder that must hand a whole object (the viewer) to code it does not own.
"""

import copy
import weakref
from collections import OrderedDict
from threading import Lock

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.signals import post_migrate

# Three sets of stand-ins: positive integers within every integer field's range (Django drops
# a comparison with a value out of a field's range from the SQL altogether; a comparison it
# drops for one set and not another changes the SQL, which is refused) and strings no one
# types (private-use characters).
_INT_STAND_INS = (30_001, 30_501, 11)
_STR_STAND_IN = "\ue000compiled-{}-{}\ue001"


_ALL = weakref.WeakSet()


def forget_compiled_queries(**_signal_arguments) -> None:
    """Drop every compiled shape (they are compiled again when next run). A shape being
    compiled meanwhile (in another thread) is not kept: its generation is past."""
    for compiled_query in list(_ALL):
        with compiled_query._lock:
            compiled_query._shapes.clear()
            compiled_query._generation += 1


post_migrate.connect(forget_compiled_queries, dispatch_uid="forget_compiled_queries_post_migrate")
setting_changed.connect(forget_compiled_queries, dispatch_uid="forget_compiled_queries_setting_changed")


def _is_model(kind) -> bool:
    return isinstance(kind, type) and issubclass(kind, Model)


class CompiledQueryError(Exception):
    """A queryset this module cannot compile once and reuse (see the module's docstring)."""


class _Precompiled:
    """The template's Query as Django's iterables read it, except that its compiler is the one
    compiled once, answering with the SQL and this run's parameters."""

    def __init__(self, query, compiler):
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


class _Shape:
    """One compiled shape: the template queryset, its compiler, SQL and parameter slots."""

    def __init__(self, queryset, compiler, sql, params, slots, *, arguments):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params  # the compiled parameters; slots[i] names the argument at i, or None
        self.slots = slots
        self.arguments = arguments  # {name: kind} this shape runs with


def _key_only(model, name, pk, using):
    """A `model` instance that knows only its primary key: reading any other field raises
    (instead of loading it, as a deferred field would)."""
    return stand_in(model, name, {model._meta.pk.attname: pk}, using=using)


def stand_in(model, name, known: dict, *, using="default"):
    """A `model` instance that knows only the fields in `known` ({attname: value}): reading any
    other field raises CompiledQueryError instead of loading it. A builder makes one for an
    object it must pass on whole (a viewer to a visibility policy): what the policy reads must
    then be an argument (a stand-in value) or part of the shape."""
    # from_db reads the values in the order of the model's fields, whatever the names' order.
    names = [field.attname for field in model._meta.concrete_fields if field.attname in known]
    if len(names) != len(known):
        raise CompiledQueryError(f"{name!r}: {sorted(set(known) - set(names))} are not fields of {model.__name__}")
    instance = model.from_db(using, names, [known[attname] for attname in names])

    def refuse(*args, fields=None, **kwargs):
        raise CompiledQueryError(
            f"the builder reads {', '.join(fields or ['a field'])} of {name!r}: only {', '.join(known)} "
            "known when compiling; pass what the query depends on as an argument or the shape"
        )

    instance.refresh_from_db = refuse
    return instance


class CompiledQuery:
    """`build(shape, **arguments) -> QuerySet`, compiled once per database and shape.

    `arguments` names each argument's kind: `int`, `str`, or a model class (the instance's
    primary key is the parameter). `run(shape=..., **values)` returns the list the queryset
    would (model instances with their select_related objects and annotations, or values rows).
    """

    def __init__(self, build, *, max_shapes=64, **arguments):
        self.build = build
        self.arguments = arguments
        self.max_shapes = max_shapes
        self._shapes = OrderedDict()
        self._lock = Lock()
        self._generation = 0
        _ALL.add(self)
        _stand_ins(arguments)  # refuses an argument of a kind it cannot stand in for, at once

    def _arguments_for(self, shape) -> dict:
        return self.arguments

    def _optional(self, shape) -> frozenset:
        return frozenset()

    def run(self, shape=None, *, using="default", **values) -> list:
        compiled = self._compiled(using, shape)
        params = self._parameters(compiled, values)
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[using]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        template = compiled.queryset
        queryset = QuerySet(model=template.model, query=_Precompiled(template.query, compiler), using=using)
        queryset._iterable_class = template._iterable_class
        queryset._fields = template._fields
        queryset._prefetch_related_lookups = template._prefetch_related_lookups
        return list(queryset)

    def first(self, shape=None, **values):
        rows = self.run(shape, **values)
        return rows[0] if rows else None

    # --- Compiling ---------------------------------------------------------------------------

    def _compiled(self, using, shape) -> _Shape:
        key = (using, shape)
        with self._lock:
            compiled = self._shapes.get(key)
            if compiled is not None:
                self._shapes.move_to_end(key)
                return compiled
            generation = self._generation
        compiled = self._compile(using, shape)
        with self._lock:
            if generation == self._generation:  # not forgotten while it was compiled
                self._shapes[key] = compiled
                while len(self._shapes) > self.max_shapes:
                    self._shapes.popitem(last=False)
        return compiled

    def _compile(self, using, shape) -> _Shape:
        arguments = self._arguments_for(shape)
        stand_in_sets = _stand_ins(arguments)
        compiled = [self._compile_with(using, shape, arguments, stand_ins) for stand_ins in stand_in_sets]
        queryset, compiler, sql, params = compiled[0]
        if any(other_sql != sql or len(other) != len(params) for _, _, other_sql, other in compiled[1:]):
            raise CompiledQueryError("an argument is written into the SQL text, not passed as a parameter")
        names = [{(type(value), value): name for name, value in stand_ins.items()} for stand_ins in stand_in_sets]
        slots = []
        for values in zip(*(params for *_, params in compiled), strict=True):
            name = names[0].get(_hashable(values[0]))
            if name is not None and all(
                by_value.get(_hashable(v)) == name for by_value, v in zip(names, values, strict=True)
            ):
                slots.append(name)
            elif all(value == values[0] for value in values):
                slots.append(None)  # a constant of the shape
            else:
                raise CompiledQueryError(f"an argument is transformed before it reaches the SQL: {values[0]!r}")
        missing = set(arguments) - self._optional(shape) - set(slots)
        if missing:
            raise CompiledQueryError(
                f"{', '.join(sorted(missing))}: not a parameter of the SQL of its own (inlined, transformed or dropped)"
            )
        return _Shape(queryset, compiler, sql, tuple(params), tuple(slots), arguments=arguments)

    def _compile_with(self, using, shape, arguments, stand_ins):
        queryset = self.build(shape, **_stand_in_values(arguments, stand_ins, using)).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return queryset, compiler, sql, params

    def _parameters(self, compiled: _Shape, values) -> tuple:
        if values.keys() != compiled.arguments.keys():
            raise TypeError(f"expected arguments {sorted(compiled.arguments)}, got {sorted(values)}")
        plain = {}
        for name, kind in compiled.arguments.items():
            value = values[name]
            if _is_model(kind):
                value = value.pk if isinstance(value, kind) else None
            expected = str if kind is str else int
            if not isinstance(value, expected) or isinstance(value, bool):
                raise TypeError(f"{name}: expected {getattr(kind, '__name__', kind)}, got {values[name]!r}")
            plain[name] = value
        return tuple(
            plain[slot] if slot is not None else constant
            for slot, constant in zip(compiled.slots, compiled.params, strict=True)
        )


class CompiledSQL(CompiledQuery):
    """`build(shape, **arguments) -> (sql, params) or None`: SQL a caller assembles from several
    querysets (a UNION of subqueries, say), compiled once per database and shape with the same
    stand-ins and guards as CompiledQuery. `sql(shape, **values)` gives that SQL and this run's
    parameters, or None when the builder had nothing to ask.

    `arguments(shape) -> {name: kind}` names each shape's arguments (a visitor's search has no
    viewer); those in `optional(shape)` may be absent from the SQL (a staff member's rows depend
    on no id), but if present are parameters like any other."""

    def __init__(self, build, *, arguments, optional=lambda shape: frozenset(), max_shapes=64):
        super().__init__(build, max_shapes=max_shapes)
        self._arguments_of = arguments
        self._optional_of = optional

    def _arguments_for(self, shape) -> dict:
        return self._arguments_of(shape)

    def _optional(self, shape) -> frozenset:
        return frozenset(self._optional_of(shape))

    def sql(self, shape=None, *, using="default", **values) -> tuple[str, tuple] | None:
        compiled = self._compiled(using, shape)
        if compiled.sql is None:
            return None
        return compiled.sql, self._parameters(compiled, values)

    def _compile(self, using, shape) -> _Shape:
        arguments = self._arguments_for(shape)
        if self._build_with(using, shape, arguments, _stand_ins(arguments)[0]) is None:
            return _Shape(None, None, None, (), (), arguments=arguments)  # nothing to ask, in this shape
        return super()._compile(using, shape)

    def _compile_with(self, using, shape, arguments, stand_ins):
        sql, params = self._build_with(using, shape, arguments, stand_ins)
        return None, None, sql, list(params)

    def _build_with(self, using, shape, arguments, stand_ins):
        return self.build(shape, using=using, **_stand_in_values(arguments, stand_ins, using))


def _stand_in_values(arguments: dict, stand_ins: dict, using) -> dict:
    """What the builder receives for one set of stand-ins: a key-only instance for a model."""
    return {
        name: _key_only(kind, name, stand_ins[name], using) if _is_model(kind) else stand_ins[name]
        for name, kind in arguments.items()
    }


def _hashable(value):
    return (type(value), value) if value.__hash__ is not None else (type(value), repr(value))


def _stand_ins(arguments: dict) -> tuple[dict, ...]:
    """Three sets of stand-ins for `arguments` ({name: kind}): each value distinct."""
    sets = tuple({} for _ in _INT_STAND_INS)
    for number, (name, kind) in enumerate(arguments.items()):
        for which, stand_ins in enumerate(sets):
            if kind is str:
                stand_ins[name] = _STR_STAND_IN.format(which, number)
            elif kind is int or _is_model(kind):
                stand_ins[name] = _INT_STAND_INS[which] + number
            else:
                raise CompiledQueryError(f"argument {name!r}: int, str or a model class, not {kind!r}")
    return sets


__all__ = ["CompiledQuery", "CompiledQueryError", "CompiledSQL", "forget_compiled_queries", "stand_in"]
