from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    ANSWER_MAX,
    CONTENT_MAX,
    REASON_MAX,
    TITLE_MAX,
    Category,
    Feedback,
    FeedbackEvent,
    Subject,
    Verdict,
)
from ..publication import public_text


class FeedbackSubmitSerializer(serializers.Serializer):
    refuses_unknown_fields = True
    title = serializers.CharField(max_length=TITLE_MAX)
    content = serializers.CharField(max_length=CONTENT_MAX)
    subject = serializers.ChoiceField(
        choices=Subject.choices, help_text=_("Thủ tục, cơ quan, hồ sơ hay cán bộ.")
    )
    category = serializers.ChoiceField(
        choices=Category.choices,
        required=False,
        help_text=_("Mặc định: về hành vi của cán bộ khi đối tượng là cán bộ, còn lại về thủ tục."),
    )
    agency = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text=_("Mã định danh cơ quan.")
    )
    dossier = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text=_("Mã hồ sơ.")
    )
    procedure = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text=_("Mã thủ tục.")
    )
    official = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    contact_email = serializers.CharField(required=False, allow_blank=True, max_length=254)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("Trường không được hỗ trợ.")] for name in sorted(unknown)}
            )
        return attrs


class FeedbackEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedbackEvent
        fields = ("action", "from_status", "to_status", "at", "note")
        read_only_fields = fields


class FeedbackSerializer(serializers.ModelSerializer):
    """The sender's and the agency's view (with the contact: the agency answers it)."""

    agency = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    dossier = serializers.CharField(source="dossier.code", read_only=True, default=None)
    procedure = serializers.CharField(source="procedure.code", read_only=True, default=None)
    primary = serializers.CharField(source="primary.code", read_only=True, default=None)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    events = FeedbackEventSerializer(many=True, read_only=True)

    class Meta:
        model = Feedback
        fields = (
            "code",
            "title",
            "content",
            "subject",
            "category",
            "agency",
            "agency_name",
            "dossier",
            "procedure",
            "official",
            "contact_name",
            "contact_phone",
            "contact_email",
            "status",
            "assignee",
            "received_at",
            "due_at",
            "overdue",
            "answered_at",
            "answer",
            "published",
            "reject_reason",
            "verdict",
            "reopen_count",
            "primary",
            "allowed_actions",
            "events",
        )
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and getattr(request.user, "role", None) == "citizen":
            # What an applicant sees of officials (as dossiers/disclosure.py): the agency, not
            # who in it handles their feedback.
            data["assignee"] = None
        return data

    def get_allowed_actions(self, obj) -> list[str]:
        from ..services import official_actions

        request = self.context.get("request")
        return official_actions(obj, request.user) if request else []


class FeedbackListSerializer(FeedbackSerializer):
    class Meta(FeedbackSerializer.Meta):
        fields = tuple(f for f in FeedbackSerializer.Meta.fields if f != "events")
        read_only_fields = fields


class PublicFeedbackSerializer(serializers.ModelSerializer):
    """What anybody may read of a published answer: no name, phone, e-mail, account or personal
    ID of the sender (docs/feedback.md, "Publication")."""

    agency = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    procedure = serializers.CharField(source="procedure.code", read_only=True, default=None)
    title = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = (
            "code",
            "title",
            "content",
            "subject",
            "category",
            "agency",
            "agency_name",
            "procedure",
            "status",
            "received_at",
            "answered_at",
            "answer",
        )
        read_only_fields = fields

    def get_title(self, obj) -> str:
        return public_text(obj, obj.title)

    def get_content(self, obj) -> str:
        return public_text(obj, obj.content)

    def get_answer(self, obj) -> str:
        return public_text(obj, obj.answer)


class FeedbackAssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=_("Mặc định: chính mình.")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX)


class FeedbackAnswerSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=ANSWER_MAX)
    publish = serializers.BooleanField(
        required=False, default=False, help_text=_("Công khai trả lời (ẩn danh người gửi).")
    )


class FeedbackReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)


class FeedbackNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX)


class FeedbackReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX)


class FeedbackVerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
