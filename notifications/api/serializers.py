from rest_framework import serializers

from ..models import Notification, Preference


class NotificationSerializer(serializers.ModelSerializer):
    dossier = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "dossier", "subject", "body", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
        help_text="Các thông báo cần đánh dấu đã đọc; bỏ trống: tất cả.",
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class PreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Preference
        fields = ["email", "sms", "zalo", "only_required", "language", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "email": {"help_text": "Nhận thông báo qua thư điện tử."},
            "sms": {"help_text": "Nhận thông báo qua tin nhắn SMS (không gửi 21:00–07:00)."},
            "zalo": {"help_text": "Nhận thông báo qua Zalo (ZNS)."},
            "only_required": {
                "help_text": "Chỉ nhận các thông báo bắt buộc theo quy định (tiếp nhận, yêu "
                "cầu bổ sung, từ chối, xin lỗi hẹn lại, dừng xử lý)."
            },
        }
