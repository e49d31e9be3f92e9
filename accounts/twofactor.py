"""Two-factor authentication (django-otp): an authenticator app (TOTP) and recovery codes.

Who is asked for a code (docs/accounts.md, "Two-factor authentication"):

- everyone who has enrolled an authenticator, at every login (API, admin console, dashboard);
- when ONECUA_REQUIRE_2FA is on (production): leaders and administrators (and superusers)
  everywhere, and every staff user in the admin console. Those without an authenticator cannot
  log in there until they enrol one: the API login answers `otp_not_enrolled` with a short-lived
  token that opens the enrolment endpoints only.

A code is the authenticator's 6 digits, or one of the ten recovery codes (8 letters and digits),
each good once. Enrolling is: start (an unconfirmed device, its otpauth:// URI and QR code),
confirm with a first code (the device counts from then on, replaces any previous one, and ten
fresh recovery codes are answered once). A user who already has an authenticator proves it with a
current code to replace it or to get new recovery codes. django-otp slows verification down after
failures, and refuses a TOTP code already used.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from rest_framework import status

from core.errors import Conflict, DomainError

from .models import User
from .roles import Role

# Roles that must use a second factor everywhere when it is required.
REQUIRED_ROLES = frozenset({Role.LEADER, Role.ADMINISTRATOR})
RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"
# How long the token answered with `otp_not_enrolled` lets its user enrol.
ENROLMENT_TOKEN_LIFETIME = timedelta(minutes=15)


class OtpRequired(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "otp_required"
    title = _("Cần mã xác thực hai lớp")


class OtpInvalid(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "otp_invalid"
    title = _("Mã xác thực không đúng")


class OtpNotEnrolled(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "otp_not_enrolled"
    title = _("Chưa đăng ký xác thực hai lớp")


# --- the rules --------------------------------------------------------------------------------
def enforced() -> bool:
    return settings.ONECUA_REQUIRE_2FA


def required_for(user) -> bool:
    """Must this user pass a second factor everywhere (API, dashboard, admin console)?"""
    return enforced() and (user.role in REQUIRED_ROLES or user.is_superuser)


def required_in_console(user) -> bool:
    """Must this user pass a second factor to use the admin console?"""
    return enforced() or required_for(user)


def is_enrolled(user) -> bool:
    """Has the user a confirmed authenticator?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_is_verified(request) -> bool:
    """Did this session's login pass a second factor (django-otp's OTPMiddleware)?"""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def session_is_acceptable(request) -> bool:
    """May this logged-in session act (outside the admin console)? Sessions of users who must use
    a second factor must have passed one (a session opened before the rule was switched on, or
    through a login without the code, does not count)."""
    return not required_for(request.user) or session_is_verified(request)


# --- codes ------------------------------------------------------------------------------------
def _normalise(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").lower()


def verify(user, code: str) -> Device | None:
    """The device that accepts `code` (a current TOTP code, or an unused recovery code, which is
    then used up), or None. Six digits are tried on the authenticator only and anything else on
    the recovery codes only, so that a recovery code does not count as a failure against the
    authenticator (django-otp slows a device down after failures)."""
    code = _normalise(code)
    if not code:
        return None
    is_totp = code.isdigit() and len(code) == 6
    model = TOTPDevice if is_totp else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_is_allowed()[0] and device.verify_token(code):
                return device
    return None


def check_login(user, code: str | None) -> Device | None:
    """The second factor of a login that passed its password: None when none is asked; the
    device that accepted the code; or OtpNotEnrolled / OtpRequired / OtpInvalid."""
    if not is_enrolled(user):
        if required_for(user):
            raise OtpNotEnrolled(
                _(
                    "Tài khoản này phải dùng xác thực hai lớp nhưng chưa đăng ký ứng dụng xác "
                    "thực. Dùng enrolment_token để đăng ký (POST /api/v1/auth/otp/totp/, rồi "
                    "POST /api/v1/auth/otp/totp/confirm/ với mã đầu tiên), sau đó đăng nhập lại "
                    "kèm mã."
                )
            )
        return None
    if not code:
        raise OtpRequired(
            _("Nhập mã 6 số từ ứng dụng xác thực (hoặc một mã khôi phục) vào trường otp.")
        )
    device = verify(user, code)
    if device is None:
        raise OtpInvalid(_("Mã xác thực không đúng, đã dùng hoặc đã hết hạn."))
    return device


def prove(user, code: str | None) -> None:
    """A signed-in user who has an authenticator proves it again (to replace it, or to get new
    recovery codes): 403 otp_required / otp_invalid otherwise."""
    if not is_enrolled(user):
        return
    if not code:
        raise _forbidden(
            OtpRequired(_("Cần mã xác thực hiện tại (hoặc một mã khôi phục) trong trường otp."))
        )
    if verify(user, code) is None:
        raise _forbidden(OtpInvalid(_("Mã xác thực không đúng, đã dùng hoặc đã hết hạn.")))


def _forbidden(error: DomainError) -> DomainError:
    # Signed in already: the call is forbidden without the code, the token itself is fine (a 401
    # would tell clients to log in again).
    error.status_code = status.HTTP_403_FORBIDDEN
    return error


# --- enrolment --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    uri: str
    secret: str
    qr_svg: str

    @property
    def qr_data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.qr_svg.encode()).decode()


def qr_svg(data: str, size: float = 240) -> str:
    """A QR code of `data` as an SVG document (reportlab, as the PDF kit draws its codes)."""
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return renderSVG.drawToString(drawing)


def start_totp(user: User, code: str | None = None) -> Enrolment:
    """A new, unconfirmed authenticator for `user` (replacing an unconfirmed one). One who has an
    authenticator must prove it first (`code`)."""
    prove(user, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    uri = device.config_url
    secret = base64.b32encode(device.bin_key).decode()
    return Enrolment(device=device, uri=uri, secret=secret, qr_svg=qr_svg(uri))


def confirm_totp(user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with a first code: it replaces any previous one, and
    ten new recovery codes are made (returned once)."""
    with transaction.atomic():
        pending = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if pending is None:
            raise Conflict(
                _("Chưa có ứng dụng xác thực nào đang chờ xác nhận; hãy bắt đầu đăng ký trước."),
                code="otp_no_pending_device",
            )
        if not pending.verify_token(_normalise(code)):
            raise DomainError(
                _("Mã xác thực không đúng; kiểm tra giờ của điện thoại rồi thử mã mới."),
                code="otp_invalid",
            )
        TOTPDevice.objects.filter(user=user).exclude(pk=pending.pk).delete()
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        return _new_recovery_codes(user)


def new_recovery_codes(user: User, code: str | None) -> list[str]:
    """Ten new recovery codes (the previous ones stop working), for a user with an
    authenticator who proves it (`code`)."""
    if not is_enrolled(user):
        raise Conflict(
            _("Chưa đăng ký ứng dụng xác thực: mã khôi phục đi kèm ứng dụng xác thực."),
            code="otp_not_enrolled",
        )
    prove(user, code)
    with transaction.atomic():
        return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(user: User) -> None:
    """Forget the user's authenticator and recovery codes (a lost phone): the next login enrols
    again where a second factor is required."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
