"""Query parameters of the statistics endpoints, parsed into the measures' Filters and Period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from core.errors import DomainError
from procedures.models import Field, Level, Procedure

from .. import scope
from ..measures import GROUPS, PERIODS, STEPS, Filters, Period

PARAMETERS = [
    OpenApiParameter(
        "agency",
        OpenApiTypes.STR,
        description="Mã cơ quan (kèm các đơn vị trực thuộc). Mặc định: cơ quan của lãnh đạo; "
        "toàn tỉnh với quản trị.",
    ),
    OpenApiParameter("field", OpenApiTypes.STR, description="Mã lĩnh vực."),
    OpenApiParameter("procedure", OpenApiTypes.STR, description="Mã thủ tục (mọi phiên bản)."),
    OpenApiParameter("level", OpenApiTypes.STR, enum=list(Level.values), description="Cấp."),
    OpenApiParameter(
        "channel", OpenApiTypes.INT, enum=[1, 2, 3], description="Kênh (KenhThucHien)."
    ),
    OpenApiParameter(
        "period", OpenApiTypes.STR, enum=list(PERIODS), description="Kỳ; mặc định month."
    ),
    OpenApiParameter(
        "date", OpenApiTypes.DATE, description="Một ngày trong kỳ (mặc định: hôm nay)."
    ),
    OpenApiParameter("year", OpenApiTypes.INT, description="Năm (thay cho date)."),
    OpenApiParameter("month", OpenApiTypes.INT, description="Tháng 1–12 (với year)."),
    OpenApiParameter("quarter", OpenApiTypes.INT, description="Quý 1–4 (với year)."),
    OpenApiParameter(
        "series", OpenApiTypes.STR, enum=list(STEPS), description="Chuỗi thời gian theo ngày/tháng."
    ),
    OpenApiParameter(
        "group_by",
        OpenApiTypes.STR,
        enum=list(GROUPS),
        description="Chia theo cơ quan hoặc xã, phường.",
    ),
]


@dataclass
class Query:
    filters: Filters
    period: Period
    series: str | None
    group_by: str | None
    agency_code: str | None


def _invalid(name: str, message: str) -> DomainError:
    return DomainError(
        _("Tham số lọc không hợp lệ."), code="invalid_filter", errors={name: [message]}
    )


def _int(params, name: str, low: int, high: int) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _invalid(name, _("Phải là số nguyên.")) from None
    if not low <= value <= high:
        message = _("Giá trị phải từ %(low)s đến %(high)s.") % {"low": low, "high": high}
        raise _invalid(name, message)
    return value


def _choice(params, name: str, choices, default=None):
    value = params.get(name) or default
    if value is not None and value not in choices:
        raise _invalid(
            name, _("Giá trị phải là một trong: %(choices)s.") % {"choices": ", ".join(choices)}
        )
    return value


def _period(params) -> Period:
    kind = _choice(params, "period", PERIODS, "month")
    year = _int(params, "year", 2000, 2100)
    month = _int(params, "month", 1, 12)
    quarter = _int(params, "quarter", 1, 4)
    raw_date = params.get("date")
    if raw_date:
        if year is not None:
            raise _invalid("date", _("Chỉ dùng date hoặc year, không dùng cả hai."))
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            raise _invalid("date", _("Ngày phải có dạng YYYY-MM-DD.")) from None
    elif year is not None:
        if kind == "day":
            raise _invalid("date", _("Kỳ theo ngày cần tham số date."))
        if kind == "month" and month is None:
            raise _invalid("month", _("Kỳ theo tháng cần tham số month."))
        if kind == "quarter" and quarter is None:
            raise _invalid("quarter", _("Kỳ theo quý cần tham số quarter."))
        first_month = {"month": month, "quarter": 3 * ((quarter or 1) - 1) + 1}.get(kind, 1)
        day = date(year, first_month or 1, 1)
    else:
        if month is not None or quarter is not None:
            raise _invalid("year", _("Cần tham số year."))
        day = timezone.localdate()
    return Period.of(kind, day)


def parse(params, user) -> Query:
    agency_code = params.get("agency") or None
    agencies = scope.agencies_for(user, agency_code)
    field_id = None
    if params.get("field"):
        field_id = Field.objects.filter(code=params["field"]).values_list("pk", flat=True).first()
        if field_id is None:
            raise _invalid("field", _("Lĩnh vực không tồn tại."))
    procedures = None
    if params.get("procedure"):
        procedures = frozenset(
            Procedure.objects.filter(code=params["procedure"]).values_list("pk", flat=True)
        )
        if not procedures:
            raise _invalid("procedure", _("Thủ tục không tồn tại."))
    level = _choice(params, "level", Level.values)
    channel = _int(params, "channel", 1, 3)
    period = _period(params)
    series = _choice(params, "series", STEPS)
    group_by = _choice(params, "group_by", GROUPS)
    return Query(
        filters=Filters(
            agencies=agencies,
            field=field_id,
            procedures=procedures,
            level=level,
            channel=channel,
        ),
        period=period,
        series=series,
        group_by=group_by,
        agency_code=agency_code,
    )
