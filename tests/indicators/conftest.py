"""The lifecycle cast of tests/dossiers, a frozen clock, and helpers that drive dossiers through
the services."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from dossiers import services
from tests.dossiers.conftest import applicant_data, build_cast, module_cast  # noqa: F401

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


class Clock:
    def __init__(self, moment: datetime):
        self.now = moment

    def set(self, *args) -> None:
        self.now = at(*args)


@pytest.fixture
def cast(module_cast, db):  # noqa: F811
    """One province per module; each test runs in its own savepoint."""
    return module_cast


@pytest.fixture
def clock():
    c = Clock(at(2026, 3, 2, 8, 0))
    with mock.patch("django.utils.timezone.now", side_effect=lambda: c.now):
        yield c


def file_online(cast, procedure="1.001193", **extra):
    return services.submit_online(
        actor=cast.citizen,
        procedure_code=procedure,
        applicant=applicant_data(cast),
        summary="Hồ sơ thống kê",
        components=[{"order": 1}],
        **extra,
    )


def at_counter(cast, procedure="1.001193", **extra):
    return services.counter_intake(
        actor=cast.clerk,
        procedure_code=procedure,
        applicant=applicant_data(cast),
        summary="Hồ sơ tại quầy",
        components=[{"order": 1}],
        **extra,
    )
