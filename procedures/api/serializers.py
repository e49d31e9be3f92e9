from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.calendar import TimeUnit
from organisations.models import AdministrativeUnit, Agency

from ..models import FeeLine, Field, Procedure, ProcedureComponent, ProcessStep


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name"]


class UnitSerializer(serializers.ModelSerializer):
    # The province has no parent unit: null (and the schema says so).
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AdministrativeUnit
        fields = ["code", "name", "unit_type", "codename", "parent"]


class AgencySerializer(serializers.ModelSerializer):
    # The provincial People's Committee heads the tree: its parent is null.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "parent", "unit", "unit_name", "is_active"]


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureComponent
        fields = ["order", "name", "originals", "copies", "form_template", "mandatory", "reusable"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ["order", "name", "role", "share"]


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeLine
        fields = ["name", "amount", "kind"]


class ProcessingTimeMixin(serializers.Serializer):
    processing_time = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "value": {"type": "number"},
                "unit": {"type": "string", "enum": list(TimeUnit.ALL)},
                "text": {"type": "string"},
                "inferred": {"type": "boolean"},
            },
        }
    )
    def get_processing_time(self, obj: Procedure) -> dict:
        value = obj.processing_time_value.normalize()
        value = int(value) if value == value.to_integral_value() else float(value)
        return {
            "value": value,
            "unit": obj.processing_time_unit,
            "text": f"{value} {obj.get_processing_time_unit_display()}",
            "inferred": obj.processing_time_inferred,
        }


class ProcedureListSerializer(ProcessingTimeMixin, serializers.ModelSerializer):
    field = FieldSerializer(read_only=True)
    service_level_display = serializers.CharField(source="get_service_level_display")
    level_display = serializers.CharField(source="get_level_display")

    class Meta:
        model = Procedure
        fields = [
            "code",
            "local_code",
            "name",
            "field",
            "level",
            "level_display",
            "service_level",
            "service_level_display",
            "agency_kind",
            "processing_time",
            "fee_mode",
            "online_payment",
            "min_assurance_level",
        ]


class ProcedureDetailSerializer(ProcedureListSerializer):
    components = ComponentSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    fees = FeeSerializer(many=True, read_only=True, source="fee_lines")

    class Meta(ProcedureListSerializer.Meta):
        fields = [
            *ProcedureListSerializer.Meta.fields,
            "version",
            "status",
            "valid_from",
            "agency_name",
            "service_level_assigned",
            "fee_raw",
            "fees",
            "result_name",
            "legal_basis",
            "supplement_rule",
            "supplement_window_days",
            "components",
            "components_inferred",
            "steps",
            "steps_inferred",
            "processing_time_raw",
        ]


class CountsByServiceLevel(serializers.Serializer):
    full = serializers.IntegerField()
    partial = serializers.IntegerField()
    offline = serializers.IntegerField()


class CountsByLevel(serializers.Serializer):
    province = serializers.IntegerField()
    commune = serializers.IntegerField()


class MatrixSerializer(serializers.Serializer):
    full = CountsByLevel()
    partial = CountsByLevel()
    offline = CountsByLevel()


class CatalogueStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_service_level = CountsByServiceLevel()
    by_level = CountsByLevel()
    by_service_level_and_level = MatrixSerializer()


MAX_YEARS_FROM_NOW = 5
MAX_MONTHS = 120


class DueDateQuerySerializer(serializers.Serializer):
    received_at = serializers.DateTimeField(
        required=False, help_text="Thời điểm tiếp nhận (ISO 8601); mặc định: bây giờ."
    )
    days = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        max_value=3650,
        required=False,
        help_text="Thời hạn giải quyết (bỏ qua khi có procedure).",
    )
    unit = serializers.ChoiceField(choices=TimeUnit.ALL, default=TimeUnit.WORKING_DAYS)
    procedure = serializers.CharField(
        required=False, help_text="Mã thủ tục: lấy thời hạn của thủ tục đang áp dụng."
    )

    def validate_received_at(self, value):
        # A counter's question is about now, give or take a few years; far dates would only
        # make the server walk centuries of calendar.
        now = timezone.now()
        if abs((value - now).days) > MAX_YEARS_FROM_NOW * 366:
            raise serializers.ValidationError(
                _("Thời điểm tiếp nhận phải trong khoảng %(n)s năm quanh hiện tại.")
                % {"n": MAX_YEARS_FROM_NOW}
            )
        return value

    def validate(self, attrs):
        if "days" not in attrs and not attrs.get("procedure"):
            raise serializers.ValidationError(
                {"days": ["Cần một trong hai tham số: days hoặc procedure."]}
            )
        # 3,650 is a bound in days; in months it would be three centuries of calendar.
        if attrs.get("unit") == TimeUnit.MONTHS and attrs.get("days", 0) > MAX_MONTHS:
            raise serializers.ValidationError(
                {"days": [_("Thời hạn tính bằng tháng không quá %(n)s tháng.") % {"n": MAX_MONTHS}]}
            )
        return attrs


class DueDateSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField()
    counting_from = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    value = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit = serializers.ChoiceField(choices=TimeUnit.ALL)
    procedure = serializers.CharField(allow_null=True)
    working_days_left = serializers.FloatField()
