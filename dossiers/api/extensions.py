"""Fields that apps above `dossiers` add to the dossier API's output, without `dossiers`
importing them (e.g. integrations adds the national portal's status code, `portal_status`).
Registered in an `AppConfig.ready()`, before any serializer is built."""

from __future__ import annotations

from rest_framework import serializers

_FIELDS: dict[str, serializers.Field] = {}


def register_field(name: str, field: serializers.Field) -> None:
    """Show `field` as `name` in the dossier list and detail (read-only)."""
    _FIELDS[name] = field


def extra_fields() -> dict[str, serializers.Field]:
    """Fresh copies of the registered fields (a field instance binds to one serializer)."""
    return {name: field.__class__(*field._args, **field._kwargs) for name, field in _FIELDS.items()}
