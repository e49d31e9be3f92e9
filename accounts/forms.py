"""Login forms with the second factor, for the admin console and the leaders' dashboard.

The code field is optional on the form: whether a code is asked is the account's matter
(accounts/twofactor.py), judged once the password has passed. A wrong code counts as a failed
login for the lockout, as a wrong password does. On success the device that accepted the code is
kept in the session by django-otp, and the session counts as verified.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import twofactor


class OtpLoginMixin(forms.Form):
    """The `otp` field and its check, before an AuthenticationForm in the bases."""

    otp = forms.CharField(
        label=_("Mã xác thực"),
        required=False,
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
        help_text=_(
            "6 số từ ứng dụng xác thực, hoặc một mã khôi phục. Để trống nếu tài khoản chưa bật "
            "xác thực hai lớp."
        ),
    )

    def code_required(self, user) -> bool:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None:
            self._check_code(user)
        return cleaned

    def _check_code(self, user) -> None:
        if not twofactor.is_enrolled(user):
            if self.code_required(user):
                raise ValidationError(
                    _(
                        "Tài khoản này phải dùng xác thực hai lớp nhưng chưa đăng ký ứng dụng xác "
                        "thực. Hãy đăng ký qua API (docs/accounts.md) hoặc nhờ quản trị hệ thống."
                    ),
                    code="otp_not_enrolled",
                )
            return
        code = self.cleaned_data.get("otp")
        if not code:
            raise ValidationError(
                _("Nhập mã 6 số từ ứng dụng xác thực (hoặc một mã khôi phục)."),
                code="otp_required",
            )
        device = twofactor.verify(user, code)
        if device is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=self.request
            )
            raise ValidationError(
                _("Mã xác thực không đúng, đã dùng hoặc đã hết hạn."), code="otp_invalid"
            )
        # django-otp's receiver of user_logged_in keeps this device in the session.
        user.otp_device = device


class AdminLoginForm(OtpLoginMixin, AdminAuthenticationForm):
    def code_required(self, user) -> bool:
        return twofactor.required_in_console(user)


class DashboardLoginForm(OtpLoginMixin, AuthenticationForm):
    def code_required(self, user) -> bool:
        return twofactor.required_for(user)
