from datetime import date

import pytest

from dossiers import services
from indicators import rebuild
from indicators.models import Grain, StatCell
from tests.support.cast import file_online

# The seeded province once per module (each test in its own savepoint), on the clock from Monday
# 2 March 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]


def test_lifecycle_keeps_cells_equal_to_recount(cast, clock):
    d = file_online(cast)
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.approve(dossier=d.code, actor=cast.leader, e_result=True)
    services.return_result(dossier=d.code, actor=cast.clerk)
    cell = StatCell.objects.get(
        grain=Grain.AGENCY_MONTH, agency_id=cast.committee.pk, period=date(2026, 3, 1)
    )
    assert (cell.submitted, cell.received, cell.finished, cell.returned) == (1, 1, 1, 1)
    report = rebuild.verify()
    assert report.ok, [x.describe() for x in report.differences]
