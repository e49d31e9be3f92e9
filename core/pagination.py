"""Cursor pagination: stable, and never a COUNT(*) of the whole table.

`page_size` and `cursor` are checked like any other query parameter (docs/api.md, Pagination):
a value out of range or that is not ours is a 400 problem naming the parameter
(`errors.page_size`, `errors.cursor`), never silently clamped to the maximum or replaced by the
first page. An empty value counts as absent, as for the filters.
"""

import re
from base64 import b64decode
from urllib import parse

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import GeneratedField
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination

_DIGITS = re.compile(r"[0-9]{1,9}")
_CURSOR_KEYS = {"o", "r", "p"}


def _field(queryset, name: str):
    """The model field a (possibly related, `a__b`) ordering name reads."""
    model = queryset.model
    *path, last = name.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(last)


class CodeCursorPagination(CursorPagination):
    ordering = ("id",)
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = _("Số kết quả mỗi trang (1–200, mặc định 20).")
    cursor_query_description = _(
        "Con trỏ trang: lấy nguyên văn từ `next` hoặc `previous` của trang trước."
    )

    def paginate_queryset(self, queryset, request, view=None):
        # Both parameters are checked before any query, and named together when both are wrong.
        errors = {}
        try:
            self.get_page_size(request)
        except exceptions.ValidationError as exc:
            errors.update(exc.detail)
        try:
            cursor = self.decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                self._check_position(cursor.position, request, queryset, view)
        except exceptions.ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        value = int(raw) if _DIGITS.fullmatch(raw) else 0
        if not 1 <= value <= self.max_page_size:
            message = _("Phải là số nguyên từ 1 đến %(max)s.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return value

    def _invalid_cursor(self):
        message = _("Con trỏ trang không hợp lệ: dùng nguyên văn liên kết next/previous.")
        return exceptions.ValidationError({self.cursor_query_param: [message]})

    def decode_cursor(self, request):
        """DRF's decoding, strict: anything but a cursor this class wrote is refused."""
        encoded = request.query_params.get(self.cursor_query_param, "")
        if encoded == "":
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True, strict_parsing=True)
        except ValueError:  # binascii.Error, UnicodeError: both ValueErrors
            raise self._invalid_cursor() from None
        if not tokens or set(tokens) - _CURSOR_KEYS or any(len(v) != 1 for v in tokens.values()):
            raise self._invalid_cursor()
        offset = tokens.get("o", ["0"])[0]
        reverse = tokens.get("r", ["0"])[0]
        position = tokens.get("p", [None])[0]
        if not _DIGITS.fullmatch(offset) or reverse not in ("0", "1"):
            raise self._invalid_cursor()
        if position is not None and "\x00" in position:  # no value of ours; PostgreSQL refuses it
            raise self._invalid_cursor()
        return Cursor(
            # Offsets past the cutoff are DRF's own guard against costly scans: kept.
            offset=min(int(offset), self.offset_cutoff),
            reverse=reverse == "1",
            position=position,
        )

    def _check_position(self, position: str, request, queryset, view) -> None:
        """The position is compared with the first ordering column: it must be a value of
        that column's type (a garbage date or number would otherwise reach the database)."""
        name = self.get_ordering(request, queryset, view)[0].lstrip("-")
        annotation = queryset.query.annotations.get(name)
        try:
            field = annotation.output_field if annotation is not None else _field(queryset, name)
        except FieldDoesNotExist:
            return
        if isinstance(field, GeneratedField):
            field = field.output_field
        try:
            field.to_python(position)
        except (ValidationError, ValueError, TypeError):
            raise self._invalid_cursor() from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


class OrderedCursorPagination(CodeCursorPagination):
    """Takes its ordering from the view's `get_cursor_ordering()` or `cursor_ordering`, else from
    its own `cursor_ordering` (a subclass may declare it), else `ordering`."""

    cursor_ordering: tuple[str, ...] | None = None

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "get_cursor_ordering", None)
        if ordering:
            return tuple(ordering())
        return tuple(
            getattr(view, "cursor_ordering", None) or self.cursor_ordering or self.ordering
        )
