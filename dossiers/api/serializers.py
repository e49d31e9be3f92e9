import copy

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import disclosure
from ..models import (
    Applicant,
    ApplicantKind,
    Channel,
    ComponentFile,
    Dossier,
    DossierComponent,
    DossierFee,
    Event,
    FeeCollection,
    Pause,
    PaymentMethod,
    ReturnMethod,
    StepRun,
    action_label,
)
from ..models.applicant import identity_errors
from ..services import available_actions
from ..services import fees as fee_services
from . import extensions


# --- input ------------------------------------------------------------------------------------
class StrictInputMixin:
    """Refuse fields the endpoint does not know, instead of silently dropping what the client
    meant to send (nested objects included)."""

    refuses_unknown_fields = True  # the schema says so: additionalProperties false

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Trường không được hỗ trợ.")] for name in unknown}
                )
        return super().to_internal_value(data)


class ApplicantInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    unit = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Mã xã/phường (đơn vị hành chính).")
    )

    class Meta:
        model = Applicant
        fields = [
            "kind",
            "full_name",
            "personal_id",
            "tax_code",
            "phone",
            "email",
            "address",
            "unit",
            "submitter_name",
            "submitter_personal_id",
            "authorisation_document",
        ]

    def validate(self, attrs):
        # The rule lives on the model (services, admin and commands meet it too).
        errors = identity_errors(
            kind=attrs.get("kind", ApplicantKind.CITIZEN),
            personal_id=attrs.get("personal_id", ""),
            tax_code=attrs.get("tax_code", ""),
            submitter_name=attrs.get("submitter_name", ""),
            submitter_personal_id=attrs.get("submitter_personal_id", ""),
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class OnlineApplicantInputSerializer(ApplicantInputSerializer):
    """The applicant of an online submission: what a VNeID login knows (personal ID, name,
    phone, e-mail) may be left out and is filled in from the claims by the service
    (dossiers.services.intake.prefilled_applicant); the model's rules (`Applicant.clean`) then
    judge the result, answered as `applicant.<field>` errors."""

    class Meta(ApplicantInputSerializer.Meta):
        extra_kwargs = {"full_name": {"required": False}}

    def validate(self, attrs):
        return attrs


class ComponentInputSerializer(StrictInputMixin, serializers.Serializer):
    order = serializers.IntegerField(min_value=1, help_text=_("Số thứ tự thành phần của thủ tục"))
    provided = serializers.BooleanField(default=True)
    originals = serializers.IntegerField(min_value=0, max_value=99, required=False)
    copies = serializers.IntegerField(min_value=0, max_value=99, required=False)
    content = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    store_document = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "Mã giấy tờ trong kho dữ liệu của chủ hồ sơ, thay cho việc nộp lại "
            "(chỉ với thành phần cho phép tái sử dụng)"
        ),
    )


class SubmitSerializer(StrictInputMixin, serializers.Serializer):
    procedure = serializers.CharField(max_length=20, help_text=_("Mã thủ tục, ví dụ 1.001193"))
    applicant = OnlineApplicantInputSerializer(
        required=False,
        help_text=_(
            "Chủ hồ sơ. Khi đăng nhập bằng VNeID, số định danh, họ tên, số điện thoại và thư "
            "điện tử của chính người đăng nhập được lấy từ VNeID nếu không gửi."
        ),
    )
    summary = serializers.CharField(max_length=1000)
    components = ComponentInputSerializer(many=True, required=False)
    receiving_agency = serializers.CharField(max_length=64, required=False, allow_blank=True)
    return_method = serializers.ChoiceField(
        choices=ReturnMethod.choices, default=ReturnMethod.ONLINE
    )


class IntakeSerializer(SubmitSerializer):
    applicant = ApplicantInputSerializer()
    receiving_agency = None
    handling_agency = serializers.CharField(max_length=64, required=False, allow_blank=True)
    channel = serializers.ChoiceField(
        choices=[(Channel.IN_PERSON, Channel.IN_PERSON.label), (Channel.POST, Channel.POST.label)],
        default=Channel.IN_PERSON,
    )
    return_method = serializers.ChoiceField(
        choices=ReturnMethod.choices, default=ReturnMethod.COUNTER
    )


class NoteSerializer(StrictInputMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReasonSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OptionalReasonSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SupplementRequestSerializer(StrictInputMixin, serializers.Serializer):
    items = serializers.ListField(
        child=serializers.CharField(max_length=1000), min_length=1, max_length=100
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AssignSerializer(StrictInputMixin, serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, help_text=_("Mã tài khoản người được giao"))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PaymentRequestSerializer(StrictInputMixin, serializers.Serializer):
    amount = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PaymentConfirmSerializer(StrictInputMixin, serializers.Serializer):
    paid_online = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FeeAdjustSerializer(StrictInputMixin, serializers.Serializer):
    line = serializers.IntegerField(
        min_value=1, max_value=32767, help_text=_("Số thứ tự khoản thu")
    )
    exempt = serializers.BooleanField(default=False, help_text=_("Miễn toàn bộ khoản thu"))
    amount_due = serializers.IntegerField(
        min_value=0,
        max_value=10**15,
        required=False,
        allow_null=True,
        help_text=_("Số tiền phải nộp sau khi giảm (VNĐ)"),
    )
    reason = serializers.CharField(max_length=2000)
    legal_basis = serializers.CharField(max_length=2000)


class FeeCollectSerializer(StrictInputMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=[PaymentMethod.CASH, PaymentMethod.CARD])
    receipt_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RefundSerializer(StrictInputMixin, serializers.Serializer):
    voucher = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text=_("Số chứng từ chi")
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApproveSerializer(StrictInputMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    e_result = serializers.BooleanField(
        default=True,
        help_text=_("Phát hành kết quả điện tử có ký số (mặc định); false: chỉ bản giấy"),
    )


class ReturnSerializer(StrictInputMixin, serializers.Serializer):
    method = serializers.ChoiceField(choices=ReturnMethod.choices, required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RescheduleSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    new_due_at = serializers.DateTimeField()


# --- output -----------------------------------------------------------------------------------
_BUILT: dict[type, dict] = {}


class BuiltOnceMixin:
    """An output ModelSerializer whose fields are built from its model once per process and
    class: DRF builds them again for every serializer (model field by model field), which was
    most of the CPU of a dossier's detail answer (issue 16 §1). Each serializer gets fresh
    copies (a field binds to one serializer): a nested serializer a deep one, as DRF copies
    its declared fields; a plain field a shallow one (binding sets attributes of the copy
    only; what it shares with the built one, its validators and choices, is only read)."""

    def get_fields(self):
        built = _BUILT.get(type(self))
        if built is None:
            built = _BUILT[type(self)] = super().get_fields()
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else copy.copy(field)
            for name, field in built.items()
        }


class ApplicantSerializer(BuiltOnceMixin, serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit.code", allow_null=True, default=None)

    class Meta:
        model = Applicant
        fields = [
            "kind",
            "full_name",
            "personal_id",
            "tax_code",
            "phone",
            "email",
            "address",
            "unit",
            "submitter_name",
            "submitter_personal_id",
            "authorisation_document",
        ]


class ComponentFileSerializer(BuiltOnceMixin, serializers.ModelSerializer):
    id = serializers.UUIDField(source="file.id")
    name = serializers.CharField(source="file.name")
    content_type = serializers.CharField(source="file.content_type")
    size = serializers.IntegerField(source="file.size")
    sha256 = serializers.CharField(source="file.sha256")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ComponentFile
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "sha256",
            "source",
            "added_at",
            "download_url",
        ]

    def get_download_url(self, attachment) -> str:
        return reverse("file-download", kwargs={"file_id": attachment.file_id})


class DossierComponentSerializer(BuiltOnceMixin, serializers.ModelSerializer):
    files = ComponentFileSerializer(many=True, read_only=True)

    class Meta:
        model = DossierComponent
        fields = [
            "order",
            "name",
            "mandatory",
            "provided",
            "originals",
            "copies",
            "content",
            "is_reused",
            "is_digitised",
            "store_document",
            "files",
        ]


class RedactedMixin:
    """Output shown through `dossiers.disclosure.redact` for the requesting user."""

    @property
    def viewer(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def to_representation(self, instance):
        return disclosure.redact(instance, super().to_representation(instance), self.viewer)


class EventSerializer(RedactedMixin, BuiltOnceMixin, serializers.ModelSerializer):
    """A timeline entry. Citizens see which agency acted, not which official, and not the
    officials' internal working notes."""

    actor = serializers.SerializerMethodField()
    action_display = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "action",
            "action_display",
            "from_status",
            "to_status",
            "actor",
            "at",
            "note",
            "payload",
        ]

    def get_actor(self, event) -> str | None:
        return disclosure.actor_name(event.actor, self.viewer)

    def get_action_display(self, event) -> str:
        return action_label(event.action)


class PauseSerializer(BuiltOnceMixin, serializers.ModelSerializer):
    class Meta:
        model = Pause
        fields = ["kind", "reason", "opened_at", "respond_by", "closed_at"]


class StepRunSerializer(RedactedMixin, BuiltOnceMixin, serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField()
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)

    class Meta:
        model = StepRun
        fields = [
            "order",
            "name",
            "role",
            "agency",
            "assignee",
            "started_at",
            "due_at",
            "finished_at",
            "timing",
            "note",
        ]

    def get_assignee(self, run) -> str | None:
        return run.assignee.username if run.assignee else None


class DossierListSerializer(RedactedMixin, BuiltOnceMixin, serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    procedure_name = serializers.CharField(source="procedure.name")
    applicant_name = serializers.CharField(source="applicant.full_name")
    status_display = serializers.CharField(source="get_status_display")
    receiving_agency = serializers.CharField(source="receiving_agency.code")
    handling_agency = serializers.CharField(source="handling_agency.code")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    is_overdue = serializers.BooleanField(help_text=_("Đang quá hạn (đồng hồ đang chạy)."))
    silent_since = serializers.DateTimeField(
        allow_null=True,
        read_only=True,
        help_text=_("Bị đánh dấu “im lặng” từ thời điểm này (null: không)."),
    )
    finished_late = serializers.BooleanField(
        allow_null=True, help_text=_("Kết thúc sau hạn (null khi chưa kết thúc).")
    )
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "procedure_name",
            "applicant_name",
            "summary",
            "status",
            "status_display",
            "channel",
            "receiving_agency",
            "handling_agency",
            "assignee",
            "submitted_at",
            "received_at",
            "due_at",
            "is_overdue",
            "silent_since",
            "finished_late",
            "available_actions",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, dossier) -> list[str]:
        return available_actions(dossier, self.context["request"].user)

    def get_fields(self):
        # Fields added by the apps above (dossiers.api.extensions), after the status.
        fields = super().get_fields()
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == "status_display":
                ordered.update(extensions.extra_fields())
        return ordered


class DossierFeeSerializer(BuiltOnceMixin, serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    reduced = serializers.BooleanField()

    class Meta:
        model = DossierFee
        fields = [
            "order",
            "name",
            "kind",
            "amount",
            "amount_due",
            "payer",
            "status",
            "status_display",
            "reduced",
            "adjustment_reason",
            "adjustment_legal_basis",
            "method",
            "paid_at",
            "reference",
        ]


class DossierDetailSerializer(DossierListSerializer):
    applicant = ApplicantSerializer()
    components = DossierComponentSerializer(many=True)
    timeline = EventSerializer(many=True, source="events")
    pauses = PauseSerializer(many=True)
    steps = StepRunSerializer(many=True, source="step_runs")
    processing_time = serializers.SerializerMethodField()
    fees = serializers.JSONField(
        source="terms.fees", help_text=_("Phí, lệ phí của thủ tục khi nộp (điều kiện áp dụng).")
    )
    fee_lines = DossierFeeSerializer(
        many=True, source="fees", help_text=_("Các khoản phí, lệ phí của hồ sơ và tình trạng nộp.")
    )
    fee_collection = serializers.SerializerMethodField(
        help_text=_("Thời điểm thu phí: submission, receipt, request; null khi không có phí.")
    )

    class Meta(DossierListSerializer.Meta):
        fields = [
            *DossierListSerializer.Meta.fields,
            "applicant",
            "processing_time",
            "fees",
            "fee_lines",
            "fee_collection",
            "fees_owed",
            "refund_pending",
            "original_due_at",
            "finished_at",
            "returned_at",
            "return_method",
            "outcome",
            "outcome_reason",
            "reschedule_count",
            "is_digitised",
            "is_reused",
            "has_e_result",
            "paid_online",
            "components",
            "pauses",
            "steps",
            "timeline",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=FeeCollection.choices, allow_null=True))
    def get_fee_collection(self, dossier) -> str | None:
        return fee_services.collection_point(dossier.terms, dossier.channel)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"value": {"type": "string"}, "unit": {"type": "string"}},
        }
    )
    def get_processing_time(self, dossier) -> dict:
        return {
            "value": dossier.terms["processing_time_value"],
            "unit": dossier.terms["processing_time_unit"],
        }


class ReceiptSlipSerializer(serializers.Serializer):
    form = serializers.CharField()
    code = serializers.CharField()
    procedure_code = serializers.CharField()
    procedure_name = serializers.CharField()
    applicant_name = serializers.CharField()
    applicant_identifier = serializers.CharField()
    applicant_phone = serializers.CharField()
    applicant_address = serializers.CharField()
    receiving_agency = serializers.CharField()
    handling_agency = serializers.CharField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    processing_time_value = serializers.CharField()
    processing_time_unit = serializers.CharField()
    components = serializers.JSONField()
    fees = serializers.JSONField()
    return_method = serializers.CharField()
    received_by = serializers.CharField()


class IntakeResultSerializer(serializers.Serializer):
    dossier = DossierListSerializer()
    receipt = ReceiptSlipSerializer()


class TrackStepSerializer(serializers.Serializer):
    name = serializers.CharField()
    finished_at = serializers.DateTimeField()
    timing = serializers.CharField()


class TrackSerializer(serializers.Serializer):
    code = serializers.CharField()
    procedure_name = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    steps_done = TrackStepSerializer(many=True)


class TrackQuerySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    id4 = serializers.RegexField(
        r"^\d{4}$", help_text=_("4 chữ số cuối số định danh / mã số thuế của chủ hồ sơ")
    )
