"""The forms of the actions on a dossier, for pages made for people (the admin's action pages):
what each action asks for; `service_kwargs()` turns a valid form into the service's arguments.
The action table (dossiers/action_table.py) names the form of each action.

(The official forms Mẫu 01–07, as PDFs, are in `dossiers/paperwork/`.)
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from core.text import vnd
from procedures.models import StepRole

from .models import Dossier, DossierAction, FeeStatus, PaymentMethod, ReturnMethod
from .services import steps


class ActionForm(forms.Form):
    """What one action needs; `service_kwargs()` turns it into the service's arguments."""

    def __init__(self, *args, dossier: Dossier, action: str, **kwargs):
        self.dossier = dossier
        self.action = action
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def _note_field():
    return forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _reason_field(required: bool = True):
    return forms.CharField(
        label=_("Lý do"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


class NoteForm(ActionForm):
    note = _note_field()


class ReasonForm(ActionForm):
    reason = _reason_field()


class OptionalReasonForm(ActionForm):
    reason = _reason_field(required=False)


class SupplementRequestForm(ActionForm):
    items = forms.CharField(
        label=_("Giấy tờ cần bổ sung"),
        help_text=_("Mỗi dòng một giấy tờ; liệt kê đầy đủ trong một lần yêu cầu."),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
    )
    reason = _reason_field(required=False)

    def clean_items(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
        if not items:
            raise forms.ValidationError(_("Danh sách giấy tờ cần bổ sung không được để trống."))
        if len(items) > 100:
            raise forms.ValidationError(_("Tối đa 100 giấy tờ."))
        return items


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.full_name or user.username} ({user.username}, {user.get_role_display()})"


class AssignForm(ActionForm):
    """assign, hand_over: someone of the handling agency (a leader when the next step is the
    leader's)."""

    assignee = AssigneeChoiceField(label=_("Người được giao"), queryset=None)
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [Role.PROCESSING_OFFICER, Role.LEADER]
        if self.action == DossierAction.HAND_OVER:
            step = steps.next_step(self.dossier)
            if step and step["role"] == StepRole.LEADER:
                roles = [Role.LEADER]
        self.fields["assignee"].queryset = User.objects.filter(
            agency_id=self.dossier.handling_agency_id, role__in=roles, is_active=True
        ).order_by("full_name", "username")

    def service_kwargs(self) -> dict:
        return {"assignee": self.cleaned_data["assignee"].pk, "note": self.cleaned_data["note"]}


class PaymentRequestForm(ActionForm):
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), required=False, min_value=0)
    note = _note_field()


class PaymentConfirmForm(ActionForm):
    paid_online = forms.BooleanField(label=_("Đã thanh toán trực tuyến"), required=False)
    note = _note_field()


class FeeAdjustForm(ActionForm):
    line = forms.TypedChoiceField(label=_("Khoản thu"), coerce=int)
    exempt = forms.BooleanField(label=_("Miễn toàn bộ"), required=False)
    amount_due = forms.IntegerField(
        label=_("Số tiền phải nộp sau khi giảm (đồng)"), required=False, min_value=0
    )
    reason = _reason_field()
    legal_basis = forms.CharField(
        label=_("Căn cứ pháp lý"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [
            (fee.order, f"{fee.order}. {fee.name} ({vnd(fee.amount_due)})")
            for fee in self.dossier.fees.filter(status=FeeStatus.OWED)
        ]


class FeeCollectForm(ActionForm):
    method = forms.ChoiceField(
        label=_("Hình thức nộp"), choices=[(m, PaymentMethod(m).label) for m in ("cash", "card")]
    )
    receipt_number = forms.CharField(label=_("Số biên lai"), required=False, max_length=64)
    note = _note_field()


class RefundForm(ActionForm):
    voucher = forms.CharField(label=_("Số chứng từ chi"), required=False, max_length=64)
    note = _note_field()


class ApproveForm(ActionForm):
    e_result = forms.BooleanField(label=_("Có kết quả điện tử"), required=False)
    note = _note_field()


class ReturnForm(ActionForm):
    method = forms.ChoiceField(
        label=_("Hình thức trả kết quả"), choices=ReturnMethod.choices, required=False
    )
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].initial = self.dossier.return_method

    def service_kwargs(self) -> dict:
        return {"method": self.cleaned_data["method"] or None, "note": self.cleaned_data["note"]}


class RescheduleForm(ActionForm):
    reason = _reason_field()
    new_due_at = forms.SplitDateTimeField(
        label=_("Ngày hẹn trả kết quả mới"), widget=AdminSplitDateTime
    )
