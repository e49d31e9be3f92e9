"""The user account: a citizen or business, an official of an agency, or an administrator."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .roles import OFFICIAL_ROLES, Role


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
    # Số định danh cá nhân (12 digits) for citizens.
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)

    class Meta:
        constraints = [
            # One citizen account per person: counter intake links dossiers by this number.
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=models.Q(role="citizen") & ~models.Q(personal_id=""),
                name="user_citizen_personal_id",
            )
        ]
        verbose_name = _("tài khoản")
        verbose_name_plural = pgettext_lazy("plural", "tài khoản")

    def clean(self) -> None:
        super().clean()
        if self.role in OFFICIAL_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("Cán bộ phải thuộc một cơ quan.")})
        if self.personal_id and not (len(self.personal_id) == 12 and self.personal_id.isdigit()):
            raise ValidationError({"personal_id": _("Số định danh cá nhân gồm đúng 12 chữ số.")})

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    def __str__(self) -> str:
        return self.full_name or self.username
