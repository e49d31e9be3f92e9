# ruff: noqa
"""Fill a database at the schema of commit 3266794 (before the house split of issue 11) with a
little of everything, for tests/migrations/test_upgrade.py.

Run ONLY from a checkout of that commit (see make_fixtures.sh):
    python manage.py shell < tests/migrations/fill_v1.py
It is kept for the record: the fixtures it made are committed, and this script does not run
against today's code.
"""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from dossiers import services
from dossiers.services import documents
from onecua.models import CalendarOverride, User
from onecua.roles import Role
from procedures.catalogue.files import CatalogueFile
from procedures.catalogue.importer import import_catalogue
from procedures.models import AdministrativeUnit, Agency, AgencyKind
from procedures.seed import seed_agencies, seed_units
from tests.conftest import FIELDS, MINI  # that commit's tests/conftest.py

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)

province, _ = seed_units()
seed_agencies(province)
import_catalogue(CatalogueFile(fields=FIELDS, procedures=[dict(r) for r in MINI]))
unit = AdministrativeUnit.objects.get(name="Phường Việt Trì")
centre = Agency.objects.get(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit=unit)
committee = Agency.objects.get(kind=AgencyKind.COMMUNE_COMMITTEE, unit=unit)
CalendarOverride.objects.get_or_create(
    date="2027-01-02", defaults={"is_working_day": True, "reason": "fixture swap"}
)


def user(username, role, agency=None, **extra):
    u = User(username=username, role=role, agency=agency, full_name=username.title(), **extra)
    u.set_password("fixture-password-123")
    u.save()
    return u


citizen = user("an", Role.CITIZEN, personal_id="025090001234", phone="0912345678")
clerk = user("clerk", Role.RECEIVING_OFFICER, centre)
specialist = user("specialist", Role.PROCESSING_OFFICER, committee)
leader = user("leader", Role.LEADER, committee)
user("admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
applicant = {
    "kind": 1,
    "full_name": "Nguyễn Văn An",
    "personal_id": "025090001234",
    "phone": "0912345678",
    "address": "Phường Việt Trì",
    "unit": unit.code,
}

with override_settings(OUTBOX_EAGER_RETRY_TIMERS=False):
    # 1: online, received, processed, approved with a signed e-result, returned.
    d1 = services.submit_online(
        actor=citizen,
        procedure_code="1.001193",
        applicant=applicant,
        summary="Đăng ký khai sinh cho con",
    )
    documents.attach_file(
        dossier=d1.code,
        order=1,
        actor=citizen,
        upload=SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf"),
    )
    services.receive(dossier=d1.code, actor=clerk)
    documents.digitise(dossier=d1.code, order=1, actor=clerk, metadata={"title": "Tờ khai"})
    services.assign(dossier=d1.code, actor=leader, assignee=specialist.pk)
    services.hand_over(dossier=d1.code, actor=specialist, assignee=leader.pk, note="trình ký")
    services.approve(dossier=d1.code, actor=leader, note="Đồng ý", e_result=True)
    services.return_result(dossier=d1.code, actor=clerk, method="online")
    # 2: counter intake, then a supplement request during processing.
    d2 = services.counter_intake(
        actor=clerk,
        procedure_code="1.000656",
        applicant=applicant,
        summary="Đăng ký khai tử",
        components=[{"order": 1}],
    )
    services.assign(dossier=d2.code, actor=leader, assignee=specialist.pk)
    services.request_supplement(dossier=d2.code, actor=specialist, items=["Bản sao giấy tờ"])
    # 3: refused at receipt.
    d3 = services.submit_online(
        actor=citizen, procedure_code="1.001193", applicant=applicant, summary="Hồ sơ thiếu"
    )
    services.refuse_receipt(dossier=d3.code, actor=clerk, reason="Không thuộc thẩm quyền")
    # 4: new, waiting at the counter.
    services.submit_online(
        actor=citizen, procedure_code="2.000488", applicant=applicant, summary="Chứng thực bản sao"
    )

print("filled", {m.__name__: m.objects.count() for m in (User, Agency, CalendarOverride)})
