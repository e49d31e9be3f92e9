"""Model fields for personal data encrypted at rest (docs/personal-data.md).

- `EncryptedTextField`: the attribute holds the clear value; the column holds its Fernet token
  (core/crypto.py). It is encrypted on the way in (`get_prep_value`) and decrypted on the way
  out (`from_db_value`, also for `values()` / `values_list()`), so the portal mapping, the
  forms, the e-result and the admin read `applicant.personal_id` as before: the attribute is
  the one accessor. A ciphertext cannot be compared: every lookup but `isnull` raises
  `EncryptedLookupError` at once, so no query silently compares ciphertext.
- `BlindIndexField`: the keyed hash of another field of the row (`source`), recomputed
  whenever the row is saved or bulk-created; indexed.
- `match(path, value)`: the one way to search such a value exactly, a `Q` on its hash:
  `Applicant.objects.filter(match("personal_id", "025090001234"))`,
  `Dossier.objects.filter(match("applicant__phone", "0912345678"))`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.models import Q

from .crypto import blind_index, decrypt, encrypt

HASH_SUFFIX = "_hash"


class EncryptedLookupError(FieldError):
    """A query compared an encrypted column: use core.fields.match() (its keyed hash)."""


class EncryptedTextField(models.TextField):
    """A text encrypted at rest (authenticated, core/crypto.py). `max_length` bounds the clear
    value (forms, serializers, `full_clean`), not the column, which holds the longer token."""

    description = "Text encrypted at rest"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(self.max_length))

    def _what(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else str(self.name)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value, what=self._what())

    def to_python(self, value):
        return "" if value is None and not self.null else super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))

    def formfield(self, **kwargs):
        # A one-line input: the values are short, but a TextField gets a text area (the
        # admin's too, which passes its own).
        widget = kwargs.get("widget")
        if (
            widget is None
            or isinstance(widget, forms.Textarea)
            or (isinstance(widget, type) and issubclass(widget, forms.Textarea))
        ):
            kwargs["widget"] = forms.TextInput(attrs={"class": "vTextField"})
        return super().formfield(**kwargs)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise EncryptedLookupError(
            f"{self._what()} is encrypted: a '{lookup_name}' lookup would compare ciphertext. "
            f"Search it exactly with core.fields.match() (its keyed hash)."
        )

    def get_transform(self, lookup_name):
        raise EncryptedLookupError(
            f"{self._what()} is encrypted: '{lookup_name}' cannot be applied to its ciphertext."
        )


class BlindIndexField(models.CharField):
    """The keyed hash (core.crypto.blind_index) of the field `source` of the same row, kept by
    every save and bulk creation; "" when the source is empty. Index it in the model's
    `Meta.indexes` rather than with `db_index=True`, which on PostgreSQL adds a second,
    `varchar_pattern_ops` index for LIKE that a hash never needs."""

    description = "Keyed hash of another field"

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (
            ("max_length", 64),
            ("blank", True),
            ("default", ""),
            ("editable", False),
        ):
            if key in kwargs and kwargs[key] == default:
                del kwargs[key]
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def _with_hashes(model, values: dict) -> dict:
    """`values` of an update plus the keyed hashes of the hashed fields among them."""
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField) and field.source in values:
            if field.attname in values:  # bulk_update() passes both, as expressions
                continue
            value = values[field.source]
            if value is not None and not isinstance(value, str):
                raise EncryptedLookupError(
                    f"{model._meta.label}.{field.source} is encrypted: an update sets it to "
                    "a value, not to an expression computed by the database."
                )
            values.setdefault(field.attname, blind_index(value or ""))
    return values


class HashedQuerySet(models.QuerySet):
    """The query set of a model with keyed hashes: `update()` and `bulk_update()` keep each
    hash beside its value, as `save()` and `bulk_create()` do through the field."""

    def update(self, **kwargs):
        return super().update(**_with_hashes(self.model, kwargs))

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        for field in self.model._meta.concrete_fields:
            if isinstance(field, BlindIndexField) and field.source in fields:
                for obj in objs:
                    field.pre_save(obj, add=False)
                if field.attname not in fields:
                    fields.append(field.attname)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True


def refresh_hashes(instance) -> None:
    """Recompute the keyed hashes of `instance` from its clear values now (saving does it
    anyway): `clean()` calls it, so that `full_clean()` judges constraints on the hashes
    (e.g. one citizen account per personal ID) before the row is saved."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, BlindIndexField):
            field.pre_save(instance, add=False)


def match(path: str, value: str) -> Q:
    """The exact match of an encrypted, hashed field (`path`, e.g. "applicant__personal_id")
    with `value`, through its keyed hash: an indexed equality. An empty value matches nothing."""
    key = blind_index(value or "")
    if not key:
        return Q(pk__in=[])
    return Q(**{f"{path}{HASH_SUFFIX}": key})
