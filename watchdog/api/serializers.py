from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ApologyDraft


class ApologyDraftSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.code", help_text=_("Mã hồ sơ"))
    reschedule_url = serializers.SerializerMethodField(
        help_text=_("Ký: POST thao tác hẹn lại (reschedule) với lý do và ngày hẹn mới.")
    )

    class Meta:
        model = ApologyDraft
        fields = [
            "dossier",
            "reason",
            "proposed_due_at",
            "due_at_when_drafted",
            "drafted_at",
            "confirmed_at",
            "reschedule_url",
        ]

    def get_reschedule_url(self, draft) -> str:
        return f"/api/v1/dossiers/{draft.dossier.code}/reschedule/"
