"""The procedure's snapshot (the terms frozen into a new dossier and the components it requires,
dossiers/services/snapshot.py) is read once per procedure version and process (issue 16 §1), and
every change of the catalogue gives the next dossier the new terms: a new version published, an
edited procedure, an edited step, fee or component, a re-import, and a change made by another
process (which no signal of this one reports)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from dossiers.models import DossierComponent
from procedures import services as catalogue
from procedures.catalogue.files import CatalogueFile
from procedures.catalogue.importer import import_catalogue
from procedures.models import FeeLine, Procedure, ProcedureComponent, ProcedureStatus, ProcessStep
from tests.support.cast import at_counter
from tests.support.catalogue import FIELDS, MINI

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("module_cast"),
    pytest.mark.clock(2026, 3, 2, 9, 0),
]

CODE = "1.001193"


def published() -> Procedure:
    return Procedure.objects.get(code=CODE, status=ProcedureStatus.PUBLISHED)


def test_the_catalogue_is_read_once_per_version(cast):
    at_counter(cast, CODE)
    with CaptureQueriesContext(connection) as queries:
        second = at_counter(cast, CODE)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("procedures_processstep", "procedures_feeline", "procedures_procedurecomponent"):
        assert table not in read
    # The second dossier still has its own complete terms and components.
    assert [s["role"] for s in second.terms["steps"]] == [
        "receive",
        "specialist",
        "leader",
        "return",
    ]
    assert list(DossierComponent.objects.filter(dossier=second).values_list("name", flat=True)) == [
        "Tờ khai theo mẫu"
    ]


def test_each_dossier_owns_its_terms(cast):
    first = at_counter(cast, CODE)
    first.terms["steps"].clear()
    assert len(at_counter(cast, CODE).terms["steps"]) == 4


def test_a_new_version_published_gives_its_terms(cast):
    assert at_counter(cast, CODE).terms["procedure_version"] == 1
    draft = catalogue.draft_new_version(procedure=published())
    draft.name = "Đăng ký khai sinh (phiên bản 2)"
    draft.save()
    ProcessStep.objects.filter(procedure=draft, order=2).update(share=50)
    catalogue.publish_version(procedure=draft)
    terms = at_counter(cast, CODE).terms
    assert (terms["procedure_version"], terms["procedure_name"]) == (2, draft.name)
    assert [s["share"] for s in terms["steps"]] == [10, 50, 20, 10]


def test_an_edited_procedure_gives_the_new_terms(cast):
    at_counter(cast, CODE)
    procedure = published()
    procedure.processing_time_value = Decimal("2")
    procedure.result_name = "Giấy khai sinh"
    procedure.save()
    terms = at_counter(cast, CODE).terms
    assert (terms["processing_time_value"], terms["result_name"]) == ("2.00", "Giấy khai sinh")


def test_an_edited_step_fee_or_component_gives_the_new_ones(cast):
    at_counter(cast, CODE)
    procedure = published()
    step = procedure.steps.get(order=2)
    step.name = "Thẩm định"
    step.save()
    FeeLine.objects.create(procedure=procedure, order=1, name="Lệ phí", amount=5000, kind="le_phi")
    ProcedureComponent.objects.create(procedure=procedure, order=2, name="Giấy chứng sinh")
    dossier = at_counter(cast, CODE, components=[{"order": 1}, {"order": 2}])
    assert dossier.terms["steps"][1]["name"] == "Thẩm định"
    assert dossier.terms["fees"] == [{"name": "Lệ phí", "amount": 5000, "kind": "le_phi"}]
    assert DossierComponent.objects.filter(dossier=dossier).count() == 2


def test_a_change_made_by_another_process_is_seen_through_the_key(cast):
    """Another process's change sends no signal here: the procedure row's `updated_at` (which
    the importer, the admin and the services write) moves the key."""
    at_counter(cast, CODE)
    procedure = published()
    # As another process would, without any model signal in this one.
    ProcessStep.objects.filter(procedure=procedure, order=2).update(name="Xem xét")
    FeeLine.objects.bulk_create(
        [FeeLine(procedure=procedure, order=1, name="Phí", amount=1000, kind="phi")]
    )
    # (The test's clock stands still: the row's time moves by a second, as a later write's would.)
    Procedure.objects.filter(pk=procedure.pk).update(
        name="Tên mới", updated_at=F("updated_at") + timedelta(seconds=1)
    )
    terms = at_counter(cast, CODE).terms
    assert terms["procedure_name"] == "Tên mới"
    assert terms["steps"][1]["name"] == "Xem xét"
    assert terms["fees"] == [{"name": "Phí", "amount": 1000, "kind": "phi"}]


def test_a_re_import_of_a_changed_row_gives_the_new_terms(cast):
    at_counter(cast, CODE)
    rows = [dict(r) for r in MINI]
    changed = next(r for r in rows if r["code"] == CODE)
    changed["name"] = "Thủ tục đăng ký khai sinh (sửa đổi)"
    changed["steps"] = [
        {"order": 1, "name": "Tiếp nhận", "role": "receive", "share": 20},
        {"order": 2, "name": "Phê duyệt", "role": "leader", "share": 70},
        {"order": 3, "name": "Trả kết quả", "role": "return", "share": 10},
    ]
    import_catalogue(CatalogueFile(fields=FIELDS, procedures=rows))
    terms = at_counter(cast, CODE).terms
    assert terms["procedure_name"] == changed["name"]
    assert [s["name"] for s in terms["steps"]] == ["Tiếp nhận", "Phê duyệt", "Trả kết quả"]
