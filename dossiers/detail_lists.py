# ruff: noqa: S608 - the SQL is built from the models' own table and column names only
"""The lists of a dossier's detail (components and their files, pauses, fee lines, events, step
runs) read in one statement (issue 16 §1).

The detail's prefetches read them in six (dossiers/api/views.py `_detail_prefetches`). Here one
SELECT holds one scalar subquery per list, each answering its rows as a JSON array (PostgreSQL
`json_agg(row_to_json(…))`, SQLite `json_group_array(json_object(…))`), with the related rows
the serialisers read (a file's stored file, an event's actor and their agency, a step run's
assignee and agency) nested in each element; the rows are then built as the ORM would build
them (`Model.from_db`, every concrete field, each field's own conversion from the database) and
left as the dossier's prefetched lists, in the prefetches' own order. The answer is the same as
the prefetches' (tests/dossiers/test_statement_ceilings.py compares each action's answer with
the detail read afresh).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

from django.contrib.auth import get_user_model
from django.db import connection, models

from documents.models import StoredFile
from organisations.models import Agency

from .models import ComponentFile, Dossier, DossierComponent, DossierFee, Event, Pause, StepRun

# The lists, in the order of the statement's columns.
_LISTS = ("components", "files", "pauses", "fees", "events", "step_runs")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(alias: str, field) -> str:
    return f"{alias}.{connection.ops.quote_name(field.column)}"


def _row(model, alias: str) -> str:
    """One row as a JSON object keyed by column (NULL for the missing row of an outer join)."""
    pk = _column(alias, model._meta.pk)
    if connection.vendor == "postgresql":
        return f"CASE WHEN {pk} IS NULL THEN NULL ELSE row_to_json({alias}) END"
    pairs = []
    for field in model._meta.concrete_fields:
        value = _column(alias, field)
        if isinstance(field, models.JSONField):
            value = f"json({value})"
        pairs.append(f"'{field.column}', {value}")
    return f"json(CASE WHEN {pk} IS NULL THEN NULL ELSE json_object({', '.join(pairs)}) END)"


def _element(parts: dict[str, str]) -> str:
    if connection.vendor == "postgresql":
        return "json_build_object(" + ", ".join(f"'{k}', {v}" for k, v in parts.items()) + ")"
    return "json_object(" + ", ".join(f"'{k}', {v}" for k, v in parts.items()) + ")"


def _array(element: str, source: str, where: str, order: str) -> str:
    """A scalar subquery answering the rows of `source` matching `where` as a JSON array of
    `element`, in `order` (text, "[]" for none)."""
    if connection.vendor == "postgresql":
        return (
            f"(SELECT COALESCE(json_agg({element} ORDER BY {order}), '[]'::json)::text "
            f"FROM {source} WHERE {where})"
        )
    return (
        f"(SELECT json_group_array(json(j)) FROM "
        f"(SELECT {element} AS j FROM {source} WHERE {where} ORDER BY {order}))"
    )


def _sql(lists: tuple[str, ...]) -> tuple[str, int]:
    user = get_user_model()
    q = connection.ops.quote_name
    subqueries = {
        "components": _array(
            _element({"o": _row(DossierComponent, "c")}),
            f"{_table(DossierComponent)} c",
            "c.dossier_id = %s",
            f"c.{q('order')}",
        ),
        "files": _array(
            _element({"o": _row(ComponentFile, "cf"), "f": _row(StoredFile, "sf")}),
            f"{_table(ComponentFile)} cf "
            f"INNER JOIN {_table(DossierComponent)} c ON c.id = cf.component_id "
            f"INNER JOIN {_table(StoredFile)} sf ON sf.id = cf.file_id",
            "c.dossier_id = %s",
            "cf.component_id, cf.added_at, cf.id",
        ),
        "pauses": _array(
            _element({"o": _row(Pause, "p")}),
            f"{_table(Pause)} p",
            "p.dossier_id = %s",
            "p.opened_at",
        ),
        "fees": _array(
            _element({"o": _row(DossierFee, "fe")}),
            f"{_table(DossierFee)} fe",
            "fe.dossier_id = %s",
            f"fe.{q('order')}",
        ),
        "events": _array(
            _element({"o": _row(Event, "e"), "u": _row(user, "u"), "a": _row(Agency, "ua")}),
            f"{_table(Event)} e "
            f"LEFT OUTER JOIN {_table(user)} u ON u.id = e.actor_id "
            f"LEFT OUTER JOIN {_table(Agency)} ua ON ua.id = u.agency_id",
            "e.dossier_id = %s",
            "e.at, e.id",
        ),
        "step_runs": _array(
            _element({"o": _row(StepRun, "s"), "u": _row(user, "u"), "a": _row(Agency, "sa")}),
            f"{_table(StepRun)} s "
            f"LEFT OUTER JOIN {_table(user)} u ON u.id = s.assignee_id "
            f"LEFT OUTER JOIN {_table(Agency)} sa ON sa.id = s.agency_id",
            "s.dossier_id = %s",
            "s.started_at, s.id",
        ),
    }
    return "SELECT " + ", ".join(subqueries[name] for name in lists), len(lists)


def _value(field, value):
    """A column's value from its JSON form, as the ORM gives it from the database."""
    if value is None:
        return None
    while field.is_relation:  # a foreign key holds its target's value (a stored file's UUID)
        field = field.target_field
    if isinstance(field, models.DateTimeField):
        moment = datetime.fromisoformat(value)
        # SQLite keeps UTC without an offset (USE_TZ); PostgreSQL's JSON has the offset.
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if isinstance(field, models.DateField):
        return date.fromisoformat(value)
    if isinstance(field, models.UUIDField):
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(field, models.JSONField):
        return value  # nested in the JSON already
    if isinstance(
        field, models.DecimalField | models.TimeField | models.DurationField | models.BinaryField
    ):  # pragma: no cover - none in these rows: a new one must be converted here first
        raise TypeError(f"{field}: no conversion from its JSON form")
    converter = getattr(field, "from_db_value", None)
    return converter(value, None, connection) if converter else value


def _instance(model, row: dict | None):
    if row is None:
        return None
    fields = model._meta.concrete_fields
    return model.from_db(
        connection.alias,
        [f.attname for f in fields],
        [_value(f, row[f.column]) for f in fields],
    )


def _cache(instance, name: str, model, row: dict | None):
    related = _instance(model, row)
    instance._meta.get_field(name).set_cached_value(instance, related)
    return related


def _held(instance, name: str, objects: list) -> None:
    held = getattr(instance, name).all()
    held._result_cache, held._prefetch_done = objects, True
    instance._prefetched_objects_cache[name] = held


def load(dossier: Dossier, *, empty: tuple[str, ...] = ()) -> None:
    """Read the detail's lists of `dossier` in one statement and leave them prefetched on it
    (its earlier prefetched lists dropped); those named in `empty` (the caller knows there are
    none) are not read."""
    lists = tuple(name for name in _LISTS if name not in empty)
    if "components" not in lists:
        lists = tuple(name for name in lists if name != "files")
    read: dict[str, list] = {name: [] for name in _LISTS}
    if lists:
        sql, count = _sql(lists)
        with connection.cursor() as cursor:
            cursor.execute(sql, [dossier.pk] * count)
            values = cursor.fetchone()
        read.update({name: json.loads(value) for name, value in zip(lists, values, strict=True)})
    user = get_user_model()

    files: dict[int, list] = {}
    for element in read["files"]:
        attachment = _instance(ComponentFile, element["o"])
        _cache(attachment, "file", StoredFile, element["f"])
        files.setdefault(attachment.component_id, []).append(attachment)
    components = []
    for element in read["components"]:
        component = _instance(DossierComponent, element["o"])
        component._prefetched_objects_cache = {}
        _held(component, "files", files.get(component.pk, []))
        components.append(component)
    events = []
    for element in read["events"]:
        event = _instance(Event, element["o"])
        actor = _cache(event, "actor", user, element["u"])
        if actor is not None:
            _cache(actor, "agency", Agency, element["a"])
        events.append(event)
    runs = []
    for element in read["step_runs"]:
        run = _instance(StepRun, element["o"])
        _cache(run, "assignee", user, element["u"])
        _cache(run, "agency", Agency, element["a"])
        runs.append(run)

    dossier._prefetched_objects_cache = {}
    _held(dossier, "components", components)
    _held(dossier, "pauses", [_instance(Pause, e["o"]) for e in read["pauses"]])
    _held(dossier, "fees", [_instance(DossierFee, e["o"]) for e in read["fees"]])
    _held(dossier, "events", events)
    _held(dossier, "step_runs", runs)
