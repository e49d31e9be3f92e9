"""Creating dossiers: online submission (status new) and counter intake (status received)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.services import citizen_by_personal_id
from core.errors import DomainError, Forbidden
from organisations.models import AdministrativeUnit, Agency, AgencyKind
from procedures.models import Level, Procedure, ProcedureStatus, ServiceLevel, StepRole

from .. import codes, routing, rules
from ..models import (
    Applicant,
    ApplicantKind,
    Channel,
    Dossier,
    DossierAction,
    DossierComponent,
    DossierStatus,
    ReturnMethod,
)
from ..models.conditions import assurance_sufficient, refusal_of
from . import fees, files, snapshot, steps
from .door import Act, new_dossier


def snapshot_terms(procedure: Procedure) -> dict:
    """The terms frozen into a dossier when it is filed (a fresh copy of the procedure
    version's snapshot, dossiers/services/snapshot.py)."""
    return snapshot.snapshot_of(procedure).terms()


def _procedure(code: str) -> Procedure:
    procedure = (
        Procedure.objects.filter(code=code, status=ProcedureStatus.PUBLISHED)
        .select_related("field")
        .first()
    )
    if procedure is None:
        raise DomainError(
            _("Không có thủ tục đang áp dụng với mã %(code)s.") % {"code": code},
            code="unknown_procedure",
            errors={"procedure": [_("Thủ tục không tồn tại hoặc chưa được công bố.")]},
        )
    return procedure


def _agency(code: str | None, field: str) -> Agency | None:
    if not code:
        return None
    agency = Agency.objects.filter(code=code, is_active=True).first()
    if agency is None:
        raise DomainError(
            _("Không có cơ quan với mã %(code)s.") % {"code": code},
            code="unknown_agency",
            errors={field: [_("Cơ quan không tồn tại.")]},
        )
    return agency


def _handling_agency(code: str | None, procedure: Procedure) -> Agency | None:
    """An agency named by the counter must be one that handles dossiers of that level."""
    agency = _agency(code, "handling_agency")
    if agency is None:
        return None
    allowed = (
        (AgencyKind.COMMUNE_COMMITTEE,)
        if procedure.level == Level.COMMUNE
        else (
            AgencyKind.PROVINCIAL_DEPARTMENT,
            AgencyKind.VERTICAL_CENTRAL,
            AgencyKind.PROVINCIAL_COMMITTEE,
        )
    )
    if agency.kind not in allowed:
        raise DomainError(
            _("Cơ quan này không giải quyết thủ tục %(level)s.")
            % {"level": procedure.get_level_display()},
            code="invalid_handling_agency",
            errors={"handling_agency": [_("Cơ quan giải quyết không phù hợp với thủ tục.")]},
        )
    return agency


def _unit(code) -> AdministrativeUnit | None:
    if code in (None, ""):
        return None
    unit = AdministrativeUnit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError(
            _("Không có đơn vị hành chính với mã %(code)s.") % {"code": code},
            code="unknown_unit",
            errors={"applicant.unit": [_("Đơn vị hành chính không tồn tại.")]},
        )
    return unit


def _create_applicant(data: dict, account=None) -> Applicant:
    """The applicant row, checked by the model's own rules (`Applicant.clean`)."""
    data = dict(data)
    unit = _unit(data.pop("unit", None))
    applicant = Applicant(unit=unit, account=account, **data)
    try:
        # The unit was just read and the account is a user in hand: their foreign keys need no
        # second look-up (full_clean would check each one's existence again).
        applicant.full_clean(exclude=["unit", "account"])
    except ValidationError as exc:
        raise DomainError(
            _("Thông tin chủ hồ sơ không hợp lệ."),
            code="invalid",
            errors={f"applicant.{field}": messages for field, messages in exc.message_dict.items()},
        ) from exc
    applicant.save()
    return applicant


def _components(procedure: Procedure, declared: list[dict], store_owners: set[str]):
    """The procedure's required components (not yet saved), with what the applicant declared or
    handed in, and the documents reused from the data store."""
    by_order = {item["order"]: item for item in declared if "order" in item}
    rows = []
    for component in snapshot.snapshot_of(procedure).components:
        # Only what is declared counts as handed in: an unlisted component is missing.
        item = by_order.pop(component.order, None)
        provided = bool(item) and item.get("provided", True)
        item = item or {}
        row = DossierComponent(
            order=component.order,
            name=component.name,
            mandatory=component.mandatory,
            provided=provided,
            originals=item.get("originals", component.originals),
            copies=item.get("copies", component.copies),
            content=item.get("content", ""),
        )
        if item.get("store_document") not in (None, ""):
            if not component.reusable:
                raise DomainError(
                    _("Thành phần “%(name)s” không được lấy từ kho dữ liệu.")
                    % {"name": component.name},
                    code="component_not_reusable",
                    errors={"components": [_("Thành phần này không cho phép tái sử dụng.")]},
                )
            document = files.reusable_document(item["store_document"], owner_ids=store_owners)
            files.mark_reused(row, document)
        rows.append(row)
    if by_order:
        raise DomainError(
            _("Thành phần hồ sơ không có trong thủ tục: %(orders)s.")
            % {"orders": ", ".join(str(o) for o in sorted(by_order))},
            code="unknown_component",
            errors={"components": [_("Số thứ tự thành phần không hợp lệ.")]},
        )
    return rows


def _insert(act: Act, rows: list[DossierComponent]) -> None:
    """Insert the new dossier, complete (code, flags, next step), then its components."""
    dossier = act.dossier
    dossier.is_digitised, dossier.is_reused = files.flags_of(rows)
    dossier.code = codes.new_code(dossier.receiving_agency, dossier.submitted_at)
    dossier.fees_owed = bool(fees.lines_of(dossier.terms))
    # No step of a new dossier stays open: the counter's receipt step is done at once.
    act.watch_at_on_insert(open_run=None)
    dossier.save()
    for row in rows:
        row.dossier = dossier
    DossierComponent.objects.bulk_create(rows)
    # The rows in hand stand for `dossier.components.all()`, as a prefetch would: the answer
    # (the counter's slip) reads them without a query.
    held = dossier.components.all()
    held._result_cache, held._prefetch_done = rows, True
    dossier._prefetched_objects_cache = {"components": held}
    files.attach_reused(rows, act.actor, act.now)
    fees.create_lines(dossier)


def prefilled_applicant(applicant: dict, user) -> dict:
    """The applicant of a VNeID-authenticated citizen's dossier, completed from the claims kept
    on their account (accounts.services.citizen_from_vneid): when the applicant is that person
    (a citizen with no personal ID given, or theirs), what was not given — personal ID, name,
    phone, e-mail — is taken from VNeID. Someone else (an organisation, another person's ID)
    is left as given."""
    data = dict(applicant)
    kind = data.get("kind") or ApplicantKind.CITIZEN
    if kind != ApplicantKind.CITIZEN or data.get("personal_id", "") not in ("", user.personal_id):
        return data
    for name, value in (
        ("personal_id", user.personal_id),
        ("full_name", user.full_name),
        ("phone", user.phone),
        ("email", user.email),
    ):
        if value and not data.get(name):
            data[name] = value
    return data


def submit_online(
    *,
    actor,
    procedure_code: str,
    applicant: dict | None = None,
    summary: str,
    components: list[dict] | None = None,
    receiving_agency: str | None = None,
    return_method: str = ReturnMethod.ONLINE,
    assurance_level: int | None = None,
) -> Dossier:
    """A citizen files a dossier online; it waits in `new` for the receiving officer's check.
    The citizen may choose the receiving centre (boundary-free); the handling agency follows
    from the procedure and the place.

    `assurance_level`: the VNeID identification level of the citizen's login (1 or 2; None for
    a password login, accounts.services.login_assurance_level). A VNeID login's dossier has its
    applicant pre-filled from the claims (`prefilled_applicant`) and is marked
    `vneid_verified` (the portal's TaiKhoanDuocXacThucVoiVNeID); a procedure that requires
    level 2 refuses a weaker login (403 `assurance_level_too_low`)."""
    if getattr(actor, "role", None) != Role.CITIZEN:
        raise Forbidden(_("Chỉ công dân, tổ chức mới nộp hồ sơ trực tuyến."))
    procedure = _procedure(procedure_code)
    if procedure.service_level == ServiceLevel.OFFLINE:
        raise DomainError(
            _("Thủ tục này chưa được cung cấp trực tuyến; vui lòng nộp trực tiếp."),
            code="not_online",
            errors={"procedure": [_("Thủ tục không nộp trực tuyến được.")]},
        )
    if not assurance_sufficient(procedure, assurance_level):
        refusal = refusal_of(assurance_sufficient)
        raise Forbidden(
            refusal.message,
            code=refusal.code,
            extra={
                "required_level": procedure.min_assurance_level,
                "login_level": assurance_level,
            },
        )
    vneid = assurance_level is not None
    applicant = prefilled_applicant(applicant or {}, actor) if vneid else (applicant or {})
    with new_dossier(actor, DossierAction.SUBMIT) as act:
        applicant_row = _create_applicant(applicant, account=actor)
        centre = _agency(receiving_agency, "receiving_agency") or routing.default_receiving_centre(
            procedure, applicant_row.unit
        )
        if not centre.is_service_centre:
            raise DomainError(
                _("Nơi tiếp nhận phải là một Trung tâm Phục vụ hành chính công."),
                code="not_a_centre",
                errors={"receiving_agency": [_("Không phải trung tâm phục vụ hành chính công.")]},
            )
        act.dossier = dossier = Dossier(
            procedure=procedure,
            terms=snapshot_terms(procedure),
            applicant=applicant_row,
            channel=Channel.ONLINE,
            receiving_agency=centre,
            handling_agency=routing.default_handling_agency(procedure, centre, applicant_row.unit),
            summary=summary,
            submitted_at=act.now,
            return_method=return_method,
            vneid_verified=vneid,
            created_by=actor,
        )
        steps.set_next_step(dossier, 0)
        owners = {actor.personal_id} if actor.personal_id else set()
        _insert(act, _components(procedure, components or [], owners))
        act.done(note=summary)
    return dossier


def counter_intake(
    *,
    actor,
    procedure_code: str,
    applicant: dict,
    summary: str,
    components: list[dict] | None = None,
    channel: int = Channel.IN_PERSON,
    handling_agency: str | None = None,
    return_method: str = ReturnMethod.COUNTER,
) -> Dossier:
    """A receiving officer takes a complete dossier at the counter: it is created directly in
    `received`, digitised, with its code and the appointment (receipt slip, Mẫu 01)."""
    if getattr(actor, "role", None) != Role.RECEIVING_OFFICER or not actor.agency_id:
        raise Forbidden(_("Chỉ cán bộ tiếp nhận của trung tâm mới tiếp nhận hồ sơ tại quầy."))
    centre = actor.agency
    if not centre.is_service_centre:
        raise Forbidden(_("Cơ quan của cán bộ không phải trung tâm phục vụ hành chính công."))
    if channel not in (Channel.IN_PERSON, Channel.POST):
        raise DomainError(
            _("Hồ sơ tại quầy chỉ nhận trực tiếp hoặc qua bưu chính."),
            code="invalid",
            errors={"channel": [_("Kênh không hợp lệ cho tiếp nhận tại quầy.")]},
        )
    procedure = _procedure(procedure_code)
    with new_dossier(actor, DossierAction.INTAKE) as act:
        account = None
        if applicant.get("personal_id"):
            # The citizen's own account, when they have one, sees the dossier too.
            account = citizen_by_personal_id(applicant["personal_id"])
        applicant_row = _create_applicant(applicant, account=account)
        terms = snapshot_terms(procedure)
        due = rules.due_from(terms, act.now)
        act.dossier = dossier = Dossier(
            procedure=procedure,
            terms=terms,
            applicant=applicant_row,
            channel=channel,
            receiving_agency=centre,
            handling_agency=_handling_agency(handling_agency, procedure)
            or routing.default_handling_agency(procedure, centre, applicant_row.unit),
            summary=summary,
            status=DossierStatus.RECEIVED,
            submitted_at=act.now,
            received_at=act.now,
            due_at=due,
            original_due_at=due,
            return_method=return_method,
            created_by=actor,
        )
        owners = {applicant_row.identifier} if applicant_row.identifier else set()
        rows = _components(procedure, components or [], owners)
        missing = [r.name for r in rows if r.mandatory and not r.provided]
        if missing:
            raise DomainError(
                _("Hồ sơ chưa đủ thành phần bắt buộc; không thể tiếp nhận."),
                code="incomplete",
                errors={"components": missing},
            )
        receipt = steps.step_of_role(dossier, StepRole.RECEIVE)
        steps.set_next_step(dossier, receipt["order"] if receipt else 0)
        _insert(act, rows)
        if receipt:
            steps.start_step(dossier, receipt, actor, act.now, agency=centre, finished=True)
        act.done(note=summary, payload={"due_at": due.isoformat()})
    return dossier


__all__ = ["counter_intake", "prefilled_applicant", "snapshot_terms", "submit_online"]
