"""The user account: a citizen or business, an official of an agency, or an administrator."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from core.fields import BlindIndexField, EncryptedTextField, HashedQuerySet, refresh_hashes

from .roles import OFFICIAL_ROLES, Role


class AccountManager(UserManager.from_queryset(HashedQuerySet)):
    """Django's user manager, whose updates keep the personal ID's keyed hash."""

    use_in_migrations = True


class User(AbstractUser):
    """An account: a citizen or business, an official of an agency, or an administrator."""

    role = models.CharField(
        _("vai trò"), max_length=32, choices=Role.choices, default=Role.CITIZEN, db_index=True
    )
    agency = models.ForeignKey(
        "organisations.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    # Số định danh cá nhân (12 digits) for citizens, and the phone: encrypted at rest
    # (core/fields.py, docs/personal-data.md); a citizen is found by the keyed hash of the ID
    # (accounts.services.citizen_by_personal_id).
    personal_id = EncryptedTextField(_("số định danh cá nhân"), max_length=12, blank=True)
    personal_id_hash = BlindIndexField(source="personal_id")
    phone = EncryptedTextField(_("số điện thoại"), max_length=20, blank=True)
    # From VNeID's claims (NgayThangNamSinh), kept up to date at each VNeID login.
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)

    objects = AccountManager()

    class Meta:
        constraints = [
            # One citizen account per person: counter intake links dossiers by this number
            # (compared through its keyed hash: the column itself is encrypted).
            models.UniqueConstraint(
                fields=["personal_id_hash"],
                condition=models.Q(role="citizen") & ~models.Q(personal_id_hash=""),
                name="user_citizen_personal_id",
            )
        ]
        verbose_name = _("tài khoản")
        verbose_name_plural = pgettext_lazy("plural", "tài khoản")

    def clean(self) -> None:
        super().clean()
        refresh_hashes(self)  # before the uniqueness of the personal ID is judged on its hash
        if self.role in OFFICIAL_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("Cán bộ phải thuộc một cơ quan.")})
        if self.personal_id and not (len(self.personal_id) == 12 and self.personal_id.isdigit()):
            raise ValidationError({"personal_id": _("Số định danh cá nhân gồm đúng 12 chữ số.")})
        # The constraint, said where a form can show it: a form leaves the hash out of its
        # validation (it is no form field), so the constraint alone would only fail at save.
        if (
            self.role == Role.CITIZEN
            and self.personal_id_hash
            and User.objects.filter(role=Role.CITIZEN, personal_id_hash=self.personal_id_hash)
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {"personal_id": _("Đã có tài khoản công dân với số định danh cá nhân này.")}
            )

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    def __str__(self) -> str:
        return self.full_name or self.username


class TokenPurpose(models.TextChoices):
    # A login: the API on behalf of the user, from one device.
    SESSION = "session", _("Đăng nhập")
    # Handed out by a login that two-factor authentication refused because the account has no
    # authenticator yet (accounts/twofactor.py): only enrolling one, for a few minutes.
    OTP_ENROLMENT = "otp_enrolment", _("Đăng ký xác thực hai lớp")


class AuthToken(AbstractAuthToken):
    """An API token (django-rest-knox): one per login, i.e. per device. Only the SHA-512 digest
    of the secret is stored (`digest`) with its first characters for the look-up
    (`token_key`); `expiry` is fixed at login (settings.API_TOKEN_HOURS). Listed and revoked by
    `id` (accounts/services.py, /api/v1/auth/tokens/)."""

    id = models.BigAutoField(primary_key=True)
    # knox makes the digest the primary key; here it is only unique, so that a token can be named
    # (listed, revoked) without showing anything derived from its secret.
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    device = models.CharField(_("thiết bị"), max_length=100, blank=True)
    purpose = models.CharField(
        _("mục đích"), max_length=20, choices=TokenPurpose.choices, default=TokenPurpose.SESSION
    )
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    # The VNeID identification level (1 or 2) of the login this token was issued for; null for a
    # password login (accounts/vneid/, docs/accounts.md "VNeID").
    assurance_level = models.PositiveSmallIntegerField(
        _("mức định danh VNeID"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = pgettext_lazy("plural", "token API")

    def __str__(self) -> str:
        return f"{self.user} — {self.device or self.pk}"


class VneidLogin(models.Model):
    """One citizen's login through VNeID in a browser (accounts/vneid/): who, when, at which
    identification level. The browser's page then hands the citizen's app a one-time ticket
    (only its SHA-256 digest is stored), which the app exchanges once, within minutes, for an API
    token of its own (`token`, which carries the same level)."""

    user = models.ForeignKey(
        User, verbose_name=_("tài khoản"), on_delete=models.CASCADE, related_name="vneid_logins"
    )
    logged_in_at = models.DateTimeField(_("thời điểm đăng nhập"))
    assurance_level = models.PositiveSmallIntegerField(_("mức định danh VNeID"))
    # The provider's subject identifier (`sub`) of the citizen.
    subject = models.CharField(_("định danh tại VNeID (sub)"), max_length=255)
    ticket_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    ticket_expires_at = models.DateTimeField(null=True, blank=True)
    exchanged_at = models.DateTimeField(_("đổi lấy token lúc"), null=True, blank=True)
    token = models.ForeignKey(
        AuthToken,
        verbose_name=_("token API"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lần đăng nhập VNeID")
        verbose_name_plural = pgettext_lazy("plural", "lần đăng nhập VNeID")

    def __str__(self) -> str:
        return f"{self.user} — {self.logged_in_at:%Y-%m-%d %H:%M} (mức {self.assurance_level})"
