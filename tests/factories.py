"""factory_boy factories of the catalogue and of user accounts, shared by the tests.

`ProcedureFactory` builds a published version 1 with a field; `ProcedureFactory(complete=True)`
adds two components, a four-step process whose shares sum to 100 and one fee line.
"""

from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import OFFICIAL_ROLES, Role
from organisations.models import AdministrativeUnit, Agency, AgencyKind, UnitType
from procedures.models import (
    FeeKind,
    FeeLine,
    FeeMode,
    Field,
    Level,
    Procedure,
    ProcedureComponent,
    ProcedureStatus,
    ProcessStep,
    ServiceLevel,
    StepRole,
)
from procedures.services import search_text_for

PASSWORD = "mat-khau-thu-nghiem-1"


class AdministrativeUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: 90000 + n)
    name = factory.Sequence(lambda n: f"Phường Thử Nghiệm {n}")
    unit_type = UnitType.WARD
    codename = factory.Sequence(lambda n: f"phuong_thu_nghiem_{n}")
    parent = None


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"000.00.{50 + n:02d}.{settings.ONECUA_PROVINCE_AGENCY_CODE}")
    name = factory.Sequence(lambda n: f"Sở Thử nghiệm {n}")
    kind = AgencyKind.PROVINCIAL_DEPARTMENT
    unit = factory.SubFactory(AdministrativeUnitFactory)
    parent = None
    is_active = True


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LINH_VUC_{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")


def _next_order(child) -> int:
    manager = getattr(child.procedure, child.related_name)
    return manager.count() + 1


class ProcedureComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureComponent
        exclude = ("related_name",)

    related_name = "components"
    procedure = factory.SubFactory("tests.factories.ProcedureFactory")
    order = factory.LazyAttribute(_next_order)
    name = factory.Sequence(lambda n: f"Đơn đề nghị số {n}")
    originals = 1
    copies = 0
    form_template = ""
    mandatory = True
    reusable = False


class ProcessStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessStep
        exclude = ("related_name",)

    related_name = "steps"
    procedure = factory.SubFactory("tests.factories.ProcedureFactory")
    order = factory.LazyAttribute(_next_order)
    name = factory.Sequence(lambda n: f"Bước {n}")
    role = StepRole.SPECIALIST
    share = 25


class FeeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeLine
        exclude = ("related_name",)

    related_name = "fee_lines"
    procedure = factory.SubFactory("tests.factories.ProcedureFactory")
    order = factory.LazyAttribute(_next_order)
    name = "Lệ phí cấp giấy"
    amount = 50000
    kind = FeeKind.LE_PHI


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A published version 1 (in force since now) of a province-level procedure."""

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    class Params:
        complete = factory.Trait(
            components=factory.RelatedFactoryList(
                ProcedureComponentFactory, factory_related_name="procedure", size=2
            ),
            steps=factory.RelatedFactoryList(
                ProcessStepFactory, factory_related_name="procedure", size=4
            ),
            fees=factory.RelatedFactory(FeeLineFactory, factory_related_name="procedure"),
            fee_mode=FeeMode.FIXED,
        )

    code = factory.Sequence(lambda n: f"9.{900000 + n:06d}")
    version = 1
    local_code = factory.LazyAttribute(
        lambda o: f"{o.code}.000.00.00.{settings.ONECUA_PROVINCE_AGENCY_CODE}"
    )
    name = factory.Sequence(lambda n: f"Thủ tục cấp giấy phép thử nghiệm {n}")
    field = factory.SubFactory(FieldFactory)
    level = Level.PROVINCE
    agency_kind = AgencyKind.PROVINCIAL_DEPARTMENT
    service_level = ServiceLevel.PARTIAL
    processing_time_value = Decimal("10")
    fee_mode = FeeMode.FREE
    status = ProcedureStatus.PUBLISHED
    valid_from = factory.LazyFunction(timezone.now)
    search_text = factory.LazyAttribute(lambda o: search_text_for(o.code, o.name, o.field.name))


class UserFactory(factory.django.DjangoModelFactory):
    """An account; officials (receiving/processing officer, leader) get an agency."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    role = Role.CITIZEN
    agency = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role in OFFICIAL_ROLES),
        yes_declaration=factory.SubFactory(AgencyFactory),
        no_declaration=None,
    )
    is_staff = factory.LazyAttribute(lambda o: o.role != Role.CITIZEN)
    is_superuser = factory.LazyAttribute(lambda o: o.role == Role.ADMINISTRATOR)
    password = factory.django.Password(PASSWORD)


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR
