"""Helpers to read the access log in tests (tests/accesslog/)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesslog.models import AccessRecord
from dossiers import services
from dossiers.models import Dossier
from tests.support.cast import CITIZEN_ID

__all__ = ["CITIZEN_ID", "TABLE", "LogInserts", "approved", "rows", "staff"]

TABLE = AccessRecord._meta.db_table


def rows(**filters) -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(**filters).order_by("id"))


class LogInserts(CaptureQueriesContext):
    """The INSERT statements into the access log run inside the block."""

    def __init__(self):
        super().__init__(connection)

    @property
    def inserts(self) -> list[str]:
        """(With the asynchronous commit's SET LOCAL in front, outside a transaction.)"""
        return [q["sql"] for q in self.captured_queries if f'INSERT INTO "{TABLE}"' in q["sql"]]


def approved(cast, submit) -> Dossier:
    dossier = Dossier.objects.get(code=submit()["code"])
    services.receive(dossier=dossier, actor=cast.clerk)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.approve(dossier=dossier.code, actor=cast.leader, note="Đồng ý cấp", e_result=True)
    return Dossier.objects.select_related("applicant").get(pk=dossier.pk)


def staff(user):
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
