"""Seed the government's decreed day swaps known for 2025–2026 (editable afterwards in the admin)."""

import datetime

from django.db import migrations

SWAPS = [
    # The worked half of the 2025 swap whose day off (Fri 2/5/2025) the holidays package knows.
    (datetime.date(2025, 4, 26), True, "Làm bù cho ngày nghỉ thứ Sáu 02/05/2025"),
    (datetime.date(2026, 1, 2), False, "Nghỉ bù Tết Dương lịch 2026 (làm bù thứ Bảy 10/01/2026)"),
    (datetime.date(2026, 1, 10), True, "Làm bù cho ngày nghỉ thứ Sáu 02/01/2026"),
    (
        datetime.date(2026, 8, 22),
        True,
        "Làm bù cho ngày nghỉ thứ Hai 31/08/2026 (nghỉ Quốc khánh 2026)",
    ),
]


def seed(apps, schema_editor):
    CalendarOverride = apps.get_model("onecua", "CalendarOverride")
    for day, working, reason in SWAPS:
        CalendarOverride.objects.get_or_create(
            date=day, defaults={"is_working_day": working, "reason": reason}
        )


def unseed(apps, schema_editor):
    CalendarOverride = apps.get_model("onecua", "CalendarOverride")
    CalendarOverride.objects.filter(date__in=[d for d, _, _ in SWAPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("onecua", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
