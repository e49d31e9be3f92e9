"""The test clock (a pytest plugin, registered in tests/conftest.py).

`at(y, m, d, h=0, mi=0, s=0)` is an aware datetime in Việt Trì's time zone (Asia/Ho_Chi_Minh).

The `clock` fixture freezes time with time-machine (`tick=False`): `timezone.now()`, the model
fields' `default=timezone.now`, `datetime.now()` and `time.time()` all read it, in every thread
of the process (a live server's too). It starts on Monday 2 March 2026, 09:00, or where the
`clock` marker says (`pytest.mark.clock(2026, 3, 2, 8, 0)`, on a test or a module); a marked
test uses the fixture without naming it. Move it with `clock.set(2026, 3, 3, 10, 0)`,
`clock.now = moment`, `clock.now += timedelta(hours=2)` or `clock.advance(hours=2)`.

`frozen(moment)` is the same clock as a context manager, for code outside a test function
(a fixture of wider scope, a helper driving many moments).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 2 March 2026, 09:00 in Việt Trì: a working day, in office hours.
START = (2026, 3, 2, 9, 0)


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """That local moment in Việt Trì."""
    return datetime(y, m, d, h, mi, s, tzinfo=TZ)


class Clock:
    """A frozen clock; `now` is the moment it shows (an aware datetime)."""

    def __init__(self, traveller: time_machine.Traveller, moment: datetime):
        self._traveller = traveller
        self._now = moment

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the test clock takes aware datetimes (use at())")
        # A destination in the local zone: time-machine sets TZ to its key, which is Django's
        # TIME_ZONE already, so the process's local time does not change.
        self._traveller.move_to(moment.astimezone(TZ))
        self._now = moment

    def set(self, *args: int) -> None:
        """`clock.set(2026, 3, 2, 14, 0)`: move to that local moment (the arguments of at())."""
        self.now = at(*args)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """`clock.advance(hours=2)` or `clock.advance(timedelta(...))`; returns the new now."""
        self.now = self._now + (delta if delta is not None else timedelta(**kwargs))
        return self._now


@contextmanager
def frozen(moment: datetime) -> Iterator[Clock]:
    """Time frozen at `moment` (aware) until the block ends; yields the Clock that moves it."""
    if moment.tzinfo is None:
        raise ValueError("the test clock takes aware datetimes (use at())")
    with time_machine.travel(moment.astimezone(TZ), tick=False) as traveller:
        yield Clock(traveller, moment)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "clock(y, m, d, h=0, mi=0, s=0): the test runs on the frozen `clock`, starting at that "
        "local moment (Monday 2 March 2026, 09:00 without arguments)",
    )


@pytest.fixture(autouse=True)
def _clock_marker(request):
    # A test under the `clock` marker runs on the clock, started before the fixtures that build
    # its data (autouse fixtures come first), so they run at the clock's time as well.
    if request.node.get_closest_marker("clock"):
        request.getfixturevalue("clock")


@pytest.fixture
def clock(request) -> Iterator[Clock]:
    marker = request.node.get_closest_marker("clock")
    start = at(*(marker.args if marker and marker.args else START))
    with frozen(start) as c:
        yield c
