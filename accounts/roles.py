"""The roles of onecua's users (docs/architecture.md, "Roles")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Công dân / tổ chức")
    RECEIVING_OFFICER = "receiving_officer", _("Cán bộ tiếp nhận")
    PROCESSING_OFFICER = "processing_officer", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")


# Roles that act for an agency and must belong to one.
OFFICIAL_ROLES = frozenset({Role.RECEIVING_OFFICER, Role.PROCESSING_OFFICER, Role.LEADER})
