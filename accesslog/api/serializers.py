from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import AccessRecord


class AgencyRefSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Mã định danh cơ quan.")
    name = serializers.CharField(help_text="Tên cơ quan (lúc xem).")


class MyAccessRecordSerializer(serializers.ModelSerializer):
    """One read of the citizen's data, as the citizen may see it: which agency and in which
    role, when, what and why; never which official (docs/access-log.md, "What the citizen
    sees")."""

    dossier = serializers.CharField(source="dossier_code", help_text="Mã hồ sơ (nếu có).")
    kind_label = serializers.CharField(source="get_kind_display")
    object = serializers.CharField(
        source="object_id",
        help_text="Đối tượng được xem ngoài hồ sơ: số biểu mẫu, mã tệp, mã kết quả, mã giấy tờ.",
    )
    purpose_label = serializers.CharField(source="get_purpose_display")
    role = serializers.CharField(source="reader_role", help_text="Vai trò của người xem.")
    role_label = serializers.CharField(source="get_reader_role_display")
    agency = serializers.SerializerMethodField(
        help_text="Cơ quan của người xem; null khi người xem là quản trị hệ thống."
    )
    by_administrator = serializers.BooleanField(
        help_text="Quản trị hệ thống (không phải cán bộ giải quyết hồ sơ) đã xem."
    )

    class Meta:
        model = AccessRecord
        fields = [
            "at",
            "dossier",
            "kind",
            "kind_label",
            "object",
            "purpose",
            "purpose_label",
            "role",
            "role_label",
            "agency",
            "by_administrator",
        ]

    @extend_schema_field(AgencyRefSerializer(allow_null=True))
    def get_agency(self, obj):
        if not obj.reader_agency_code and obj.reader_agency_id is None:
            return None
        return {"code": obj.reader_agency_code, "name": obj.reader_agency_name}


class ReaderSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="reader_id", allow_null=True, help_text="Mã tài khoản người xem."
    )
    username = serializers.CharField(source="reader_username")
    name = serializers.CharField(source="reader_name", help_text="Họ tên người xem (lúc xem).")


class AccessRecordSerializer(MyAccessRecordSerializer):
    """The whole row, for administrators: who read, too."""

    reader = ReaderSerializer(source="*")

    class Meta(MyAccessRecordSerializer.Meta):
        fields = ["id", "reader", *MyAccessRecordSerializer.Meta.fields, "dossier_id"]
