from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Appointment, AppointmentSlot, Counter, ServiceGroup, Ticket, TicketDossier


class ServiceGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceGroup
        fields = ["id", "letter", "name", "slot_capacity"]


class CounterSerializer(serializers.ModelSerializer):
    groups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Counter
        fields = ["id", "number", "name", "label", "groups", "is_active"]


class CentreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency_code = serializers.CharField(source="agency.code")
    name = serializers.CharField(source="agency.name")
    slot_minutes = serializers.IntegerField()
    groups = ServiceGroupSerializer(many=True)


class SlotSerializer(serializers.ModelSerializer):
    free = serializers.IntegerField(read_only=True)

    class Meta:
        model = AppointmentSlot
        fields = ["id", "group", "starts_at", "ends_at", "capacity", "free"]


class SlotQuerySerializer(serializers.Serializer):
    group = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    date = serializers.DateField()


class AppointmentSerializer(serializers.ModelSerializer):
    slot = SlotSerializer(read_only=True)
    centre = serializers.IntegerField(source="slot.group.centre_id", read_only=True)
    qr_token = serializers.SerializerMethodField(
        help_text=_("Mã ký số để quét tại máy lấy số (chỉ khi lịch hẹn còn hiệu lực).")
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "centre",
            "slot",
            "status",
            "note",
            "created_at",
            "cancelled_at",
            "checked_in_at",
            "qr_token",
        ]

    def get_qr_token(self, obj) -> str:
        from .. import services

        return services.appointment_token(obj) if obj.status == "booked" else ""


class BookSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TicketSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.letter", read_only=True)
    counter = serializers.IntegerField(source="counter.number", read_only=True, allow_null=True)
    dossiers = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "label",
            "group",
            "day",
            "status",
            "priority",
            "issued_at",
            "queued_at",
            "called_at",
            "serving_at",
            "finished_at",
            "calls",
            "counter",
            "transferred_to",
            "wait_seconds",
            "service_seconds",
            "dossiers",
        ]

    def get_dossiers(self, obj) -> list[str]:
        return [link.dossier.code for link in obj.dossier_links.select_related("dossier")]


class IssueSerializer(serializers.Serializer):
    group = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class CheckInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class TransferSerializer(serializers.Serializer):
    counter = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class LinkSerializer(serializers.Serializer):
    dossier = serializers.CharField(max_length=64)


class TicketDossierSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.code")

    class Meta:
        model = TicketDossier
        fields = ["ticket", "dossier", "linked_at"]


class SessionSerializer(serializers.Serializer):
    counter = serializers.IntegerField(source="counter_id")
    official = serializers.IntegerField(source="official_id")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class FiguresQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(required=False)
    to = serializers.DateField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("from_"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
        if start and end and (end - start).days > 366:
            raise serializers.ValidationError({"to": [_("Khoảng thời gian tối đa là 366 ngày.")]})
        return attrs


class FigureSerializer(serializers.Serializer):
    issued = serializers.IntegerField()
    waited = serializers.IntegerField()
    served = serializers.IntegerField()
    waiting = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    no_show_tickets = serializers.IntegerField()
    no_show_appointments = serializers.IntegerField()
    avg_wait_seconds = serializers.IntegerField(allow_null=True)
    p90_wait_seconds = serializers.IntegerField(allow_null=True)
    avg_service_seconds = serializers.IntegerField(allow_null=True)


class FigureRowSerializer(FigureSerializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class FiguresSerializer(serializers.Serializer):
    centre = serializers.IntegerField()
    to = serializers.DateField()
    total = FigureSerializer()
    by_counter = FigureRowSerializer(many=True)
    by_group = FigureRowSerializer(many=True)
    by_official = FigureRowSerializer(many=True)


# "from" is a keyword: declared after the class.
FiguresSerializer._declared_fields["from"] = serializers.DateField()
