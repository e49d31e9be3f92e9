"""The templates' admin: editing saves a NEW version (the old ones stay, read-only in the list),
the variables a kind may name are listed on the form and checked on save (an unknown one is
refused), the preview renders the text with a sample dossier, and an SMS text's length is
counted in segments (GSM-7 or UCS-2) with a warning past one and a refusal past
NOTIFY_SMS_MAX_SEGMENTS."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyModelAdmin

from . import context, events, rendering
from .models import Channel, DeliveryReceipt, Notification, NotificationTemplate, Preference


class TemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["kind", "channel", "language", "enabled", "subject", "body"]

    def clean(self):
        data = super().clean()
        kind, channel = data.get("kind"), data.get("channel")
        if not kind or not channel:
            return data
        rendering.check(kind, data.get("subject", ""), data.get("body", ""))
        if channel == Channel.SMS:
            text = rendering.render(data.get("body", ""), context.sample(events.BY_KIND[kind]))
            length = rendering.sms_length(text)
            if length.segments > settings.NOTIFY_SMS_MAX_SEGMENTS:
                raise ValidationError(
                    _("Tin nhắn quá dài: %(length)s với dữ liệu mẫu; tối đa %(max)d tin.")
                    % {"length": length.as_text(), "max": settings.NOTIFY_SMS_MAX_SEGMENTS}
                )
            self.sms_length = length
        return data


def preview_block(obj: NotificationTemplate) -> str:
    notice = events.BY_KIND.get(obj.kind)
    if notice is None:
        return ""
    values = context.sample(notice, obj.language)
    subject = rendering.render(obj.subject, values)
    body = rendering.render(obj.body, values)
    extra = ""
    if obj.channel == Channel.SMS:
        extra = rendering.sms_length(body).as_text()
    return format_html(
        "<div><strong>{}</strong><pre style='white-space:pre-wrap'>{}</pre><em>{}</em></div>",
        subject,
        body,
        extra,
    )


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["kind", "channel", "language", "version", "enabled", "created_at", "created_by"]
    list_filter = ["kind", "channel", "language", "enabled"]
    readonly_fields = ["version", "variables", "preview", "created_at", "created_by"]
    fields = [
        "kind",
        "channel",
        "language",
        "enabled",
        "subject",
        "body",
        "variables",
        "preview",
        "version",
        "created_at",
        "created_by",
    ]

    @admin.display(description=gettext_lazy("biến được dùng"))
    def variables(self, obj):
        if obj is None or not obj.kind:
            return format_html_join(
                "",
                "<div><code>{}</code>: {}</div>",
                ((n.kind, ", ".join(n.allowed)) for n in events.NOTICES),
            )
        notice = events.BY_KIND[obj.kind]
        return format_html_join(", ", "<code>{{{{ {} }}}}</code>", ((v,) for v in notice.allowed))

    @admin.display(description=gettext_lazy("xem trước với hồ sơ mẫu"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return _("Lưu để xem trước.")
        return preview_block(obj)

    def has_delete_permission(self, request, obj=None):
        return False  # versions are history

    def save_model(self, request, obj, form, change):
        """Every save writes a new version; the one edited stays as it was."""
        latest = NotificationTemplate.objects.filter(
            kind=obj.kind, channel=obj.channel, language=obj.language
        ).aggregate(v=Max("version"))["v"]
        obj.pk = None
        obj._state.adding = True
        obj.version = (latest or 0) + 1
        obj.created_by = request.user
        obj.save()
        length = getattr(form, "sms_length", None)
        if length is not None and length.segments > 1:
            messages.warning(
                request,
                _(
                    "Tin nhắn SMS dài %(length)s với dữ liệu mẫu: mỗi lần gửi tính %(n)d tin. "
                    "Chữ có dấu tiếng Việt buộc mã hóa UCS-2 (70 ký tự/tin, 67 khi ghép)."
                )
                % {"length": length.as_text(), "n": length.segments},
            )


class ReceiptInline(admin.TabularInline):
    model = DeliveryReceipt
    extra = 0
    can_delete = False
    readonly_fields = ["status", "gateway_id", "detail", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "kind", "channel", "status", "dossier", "created_at", "sent_at"]
    list_filter = ["channel", "status", "kind", "audience"]
    search_fields = ["dossier__code", "gateway_id"]
    raw_id_fields = ["dossier", "event", "recipient", "template"]
    inlines = [ReceiptInline]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "email", "sms", "zalo", "only_required", "language", "updated_at"]
