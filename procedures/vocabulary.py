"""Words of the catalogue that code outside Django uses too (the catalogue builder and its
validation run without a configured project): declared here once, imported by the models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StepRole(models.TextChoices):
    """Who carries out a step of a procedure's internal process (docs/domain.md §2)."""

    RECEIVE = "receive", _("Tiếp nhận")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo phê duyệt")
    RETURN = "return", _("Trả kết quả")
