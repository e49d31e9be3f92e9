"""Dossiers made through the real services (a pytest plugin, registered in tests/conftest.py).

`DossierFactory(status="processing")` files a dossier (online by default, `channel="counter"`
at the ward centre's counter) and drives it with the services, as the cast's people would, to
the status asked for; it returns the dossier fresh from the database. It works in a cast's
world (`cast=`), by default in the small world of tests/support/cast.py (the one in the
database, else a new one). The `dossier_factory` fixture is DossierFactory in the test's world
(its `cast`).

    DossierFactory(status="result_ready", cast=cast, e_result=True)
    DossierFactory.create_batch(3, status="received", procedure="1.000110")
"""

from __future__ import annotations

import functools

import factory
import pytest

from accounts.models import User
from dossiers import services
from dossiers.models import Dossier, DossierStatus

from .cast import SUMMARY, Cast, at_counter, build_small_cast, file_online

S = DossierStatus
# The path to each status: the status it passes through first, then its own step.
_BEFORE = {
    S.NEW: None,
    S.NOT_RECEIVED: S.NEW,
    S.WITHDRAWN: S.NEW,
    S.SUPPLEMENT_REQUESTED: S.NEW,
    S.RECEIVED: S.NEW,
    S.PROCESSING: S.RECEIVED,
    S.STOPPED: S.PROCESSING,
    S.AWAITING_PAYMENT: S.PROCESSING,
    S.RESULT_READY: S.PROCESSING,
    S.RETURNED: S.RESULT_READY,
}


def _step(cast: Cast, code: str, status: str, *, amount, e_result) -> None:
    if status == S.NOT_RECEIVED:
        services.refuse_receipt(dossier=code, actor=cast.clerk, reason="Sai thẩm quyền")
    elif status == S.WITHDRAWN:
        services.withdraw(dossier=code, actor=cast.citizen)
    elif status == S.SUPPLEMENT_REQUESTED:
        services.request_supplement(dossier=code, actor=cast.clerk, items=["Giấy chứng sinh"])
    elif status == S.RECEIVED:
        services.receive(dossier=code, actor=cast.clerk)
    elif status == S.PROCESSING:
        services.assign(dossier=code, actor=cast.leader, assignee=cast.specialist.pk)
    elif status == S.STOPPED:
        services.stop(dossier=code, actor=cast.leader, reason="Dừng theo yêu cầu")
    elif status == S.AWAITING_PAYMENT:
        services.request_payment(dossier=code, actor=cast.leader, amount=amount)
    elif status == S.RESULT_READY:
        services.approve(dossier=code, actor=cast.leader, e_result=e_result)
    elif status == S.RETURNED:
        services.return_result(dossier=code, actor=cast.clerk)


def _path(status: str) -> list[str]:
    if status not in _BEFORE:
        raise ValueError(f"no path to status {status!r}")
    path = []
    while status is not None:
        path.append(status)
        status = _BEFORE[status]
    return path[::-1]


def small_world() -> Cast:
    """The small world's cast: the one in the database when there is one, else a new one."""
    if not User.objects.filter(username="clerk").exists():
        return build_small_cast()
    users = {u.username: u for u in User.objects.select_related("agency")}
    clerk, leader = users["clerk"], users["leader"]
    return Cast(
        unit=clerk.agency.unit,
        centre=clerk.agency,
        committee=leader.agency,
        provincial_centre=users["otherclerk"].agency,
        department=users["otherleader"].agency,
        citizen=users["an"],
        other_citizen=users["binh"],
        clerk=clerk,
        specialist=users["specialist"],
        leader=leader,
        other_clerk=users["otherclerk"],
        other_leader=users["otherleader"],
        admin=users["admin"],
    )


class DossierFactory(factory.Factory):
    """A dossier in `status`, made through the services (never saved directly)."""

    class Meta:
        model = Dossier

    cast = factory.LazyFunction(small_world)
    status = S.NEW
    procedure = "1.001193"
    channel = "online"  # or "counter": taken at the ward centre's counter, already received
    citizen = None  # online: who files it (the cast's citizen by default)
    summary = SUMMARY
    components = None  # as declared at filing; [{"order": 1}] by default
    amount = 50000  # asked for on the way to awaiting_payment
    e_result = False  # on the way to result_ready: an e-result signed and stored

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a dossier is made through the services: DossierFactory(...) creates it")

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        cast,
        status,
        procedure,
        channel,
        citizen,
        summary,
        components,
        amount,
        e_result,
        **extra,
    ):
        path = _path(status)
        if channel == "counter":
            if S.RECEIVED not in path:
                raise ValueError(f"a counter dossier starts received: no path to {status!r}")
            dossier = at_counter(cast, procedure, summary=summary, components=components, **extra)
            path = path[path.index(S.RECEIVED) + 1 :]
        elif channel == "online":
            dossier = file_online(
                cast, procedure, citizen=citizen, summary=summary, components=components, **extra
            )
            path = path[1:]
        else:
            raise ValueError(f"channel is 'online' or 'counter', not {channel!r}")
        for step in path:
            _step(cast, dossier.code, step, amount=amount, e_result=e_result)
        dossier = Dossier.objects.get(pk=dossier.pk)
        assert dossier.status == status, (dossier.status, status)
        return dossier


@pytest.fixture
def dossier_factory(cast):
    """DossierFactory in the test's world (its `cast`)."""
    return functools.partial(DossierFactory, cast=cast)
