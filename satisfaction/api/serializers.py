from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import COMMENT_MAX, Level, Rating


class RateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=Level.choices, help_text=_("Rất hài lòng / Hài lòng / Không hài lòng")
    )
    comment_attitude = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX, default=""
    )
    comment_time = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX, default=""
    )
    comment_procedure = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX, default=""
    )


class RatingSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.code", read_only=True)
    agency = serializers.CharField(source="agency.code", read_only=True)

    class Meta:
        model = Rating
        fields = (
            "dossier",
            "agency",
            "level",
            "comment_attitude",
            "comment_time",
            "comment_procedure",
            "channel",
            "created_at",
        )
        read_only_fields = fields
