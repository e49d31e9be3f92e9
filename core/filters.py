"""Filters shared by the apps' list APIs."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class UTCDateTimeField(IsoDateTimeField):
    """ISO 8601, as UTC: Python accepts offsets up to ±24 h, PostgreSQL only up to ±15:59, so
    an instant is passed on in UTC (one that UTC cannot hold is invalid, 400)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("Thời điểm không hợp lệ."), code="invalid") from None


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField
