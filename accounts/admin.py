from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import EncryptedSearchMixin, ReadOnlyMixin

from . import services, twofactor
from .models import AuthToken, User, VneidLogin


class AuthTokenInline(ReadOnlyMixin, admin.TabularInline):
    """The account's API tokens (one per device that logged in), never their secrets."""

    model = AuthToken
    fields = ["device", "purpose", "assurance_level", "created", "expiry", "last_used_at"]
    readonly_fields = fields
    ordering = ["-created"]
    extra = 0
    verbose_name = _("phiên đăng nhập API")
    verbose_name_plural = _("phiên đăng nhập API (token)")


@admin.register(User)
class UserAdmin(EncryptedSearchMixin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "agency", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email"]
    # The personal ID is encrypted at rest: found exactly, through its keyed hash.
    encrypted_search_fields = ["personal_id"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    inlines = [AuthTokenInline]
    readonly_fields = ["vneid_logins"]
    actions = ["revoke_tokens", "deactivate", "reset_two_factor"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Vai trò và cơ quan"),
            {"fields": ("role", "agency", "full_name", "personal_id", "birth_date", "phone")},
        ),
        (_("Đăng nhập bằng VNeID"), {"fields": ("vneid_logins",)}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Vai trò và cơ quan"), {"fields": ("role", "agency", "full_name")}),
    )

    @admin.display(description=_("lần đăng nhập VNeID gần đây"))
    def vneid_logins(self, obj):
        """The account's last logins through VNeID (docs/accounts.md, "VNeID")."""
        logins = VneidLogin.objects.filter(user=obj).order_by("-logged_in_at")[:10]
        if obj is None or obj.pk is None or not logins:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{} — {} {}",
            (
                (
                    timezone.localtime(login.logged_in_at).strftime("%d/%m/%Y %H:%M"),
                    _("mức"),
                    login.assurance_level,
                )
                for login in logins
            ),
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.action(description=_("Thu hồi mọi token API (đăng xuất mọi thiết bị)"))
    def revoke_tokens(self, request, queryset):
        revoked = sum(services.revoke_all_tokens(user) for user in queryset)
        self.message_user(
            request,
            ngettext("Đã thu hồi %(count)d token.", "Đã thu hồi %(count)d token.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )

    @admin.action(description=_("Khóa tài khoản (và thu hồi mọi token)"))
    def deactivate(self, request, queryset):
        users = list(queryset)
        revoked = sum(services.deactivate(user) for user in users)
        self.message_user(
            request,
            _("Đã khóa %(users)d tài khoản, thu hồi %(tokens)d token.")
            % {"users": len(users), "tokens": revoked},
            messages.SUCCESS,
        )

    @admin.action(description=_("Đặt lại xác thực hai lớp (mất điện thoại: đăng ký lại)"))
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            twofactor.reset(user)
        self.message_user(
            request,
            _("Đã đặt lại xác thực hai lớp của %(users)d tài khoản.") % {"users": len(users)},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "active" on the change page is a deactivation too: the tokens go with it.
        if change and not obj.is_active and "is_active" in form.changed_data:
            services.deactivate(obj)
