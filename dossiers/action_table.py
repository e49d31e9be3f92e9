"""The action table: one row per action on a dossier, read by everything that offers actions.

A row names the service that does the action, the serializer of its API input, the form of its
admin page, its Vietnamese label (the `DossierAction` enum's) and the error codes it can answer
(its transition's conditions, read from the state machine, and the service's own). The API's
routes (`POST /api/v1/dossiers/{code}/{action}/`) and their OpenAPI documentation, the admin's
action buttons and forms, `Event.action`'s choices and `available_actions` all come from here
and from the state machine.

Adding an action: its FSM transition on `Dossier` (with its permission and conditions), its
service (a function running `dossier_action()`), and one `ActionRow` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rest_framework import serializers

from . import forms, services
from .api import serializers as s
from .models import Dossier, DossierAction
from .models.conditions import refusal_of

A = DossierAction

# What every action through the door can answer (docs/api.md): code → (HTTP status, meaning).
COMMON_ERRORS: dict[str, tuple[int, str]] = {
    "invalid": (400, "the input is not valid (field errors in `errors`)"),
    "not_authenticated": (401, "no or bad credentials"),
    "permission_denied": (403, "the action's permission refuses the user"),
    "not_found": (404, "no such dossier in the user's scope"),
    "transition_not_allowed": (409, "the dossier's status has no such action now"),
    "concurrent_update": (409, "someone else changed the dossier meanwhile: reload and retry"),
}


@dataclass(frozen=True)
class ActionRow:
    action: DossierAction
    service: Callable[..., Dossier]
    serializer: type[serializers.Serializer]
    form: type[forms.ActionForm]
    # Codes the service itself can answer, beyond COMMON_ERRORS and the conditions' own.
    errors: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.action.value

    @property
    def label(self) -> str:
        return str(self.action.label)

    @property
    def summary(self) -> str:
        return (self.service.__doc__ or self.name).strip().splitlines()[0]

    def error_codes(self) -> dict[str, tuple[int, str]]:
        """Every code this action can answer: the common ones, its transition's conditions
        (read from the state machine), and the service's own."""
        codes = dict(COMMON_ERRORS)
        for transition in Dossier._meta.get_field("status").get_all_transitions(Dossier):
            if transition.name == self.name:
                for condition in transition.conditions:
                    codes[refusal_of(condition).code] = (409, str(refusal_of(condition).message))
        codes.update(self.errors)
        return codes


ASSIGNEE = {"invalid_assignee": (400, "the assignee is not active staff of the handling agency")}

ACTION_TABLE: dict[DossierAction, ActionRow] = {
    row.action: row
    for row in (
        ActionRow(A.RECEIVE, services.receive, s.NoteSerializer, forms.NoteForm),
        ActionRow(A.REFUSE_RECEIPT, services.refuse_receipt, s.ReasonSerializer, forms.ReasonForm),
        ActionRow(
            A.REQUEST_SUPPLEMENT,
            services.request_supplement,
            s.SupplementRequestSerializer,
            forms.SupplementRequestForm,
        ),
        ActionRow(A.SUPPLEMENT, services.supplement, s.NoteSerializer, forms.NoteForm),
        ActionRow(A.ASSIGN, services.assign, s.AssignSerializer, forms.AssignForm, ASSIGNEE),
        ActionRow(A.HAND_OVER, services.hand_over, s.AssignSerializer, forms.AssignForm, ASSIGNEE),
        ActionRow(
            A.REQUEST_PAYMENT,
            services.request_payment,
            s.PaymentRequestSerializer,
            forms.PaymentRequestForm,
        ),
        ActionRow(
            A.CONFIRM_PAYMENT,
            services.confirm_payment,
            s.PaymentConfirmSerializer,
            forms.PaymentConfirmForm,
        ),
        ActionRow(
            A.ADJUST_FEE,
            services.adjust_fee,
            s.FeeAdjustSerializer,
            forms.FeeAdjustForm,
            {"fee_not_owed": (409, "the fee line is no longer owed")},
        ),
        ActionRow(
            A.COLLECT_FEE,
            services.collect_fee,
            s.FeeCollectSerializer,
            forms.FeeCollectForm,
            {"fee_amount_unknown": (409, "no owed line has a known amount yet")},
        ),
        ActionRow(A.RECORD_REFUND, services.record_refund, s.RefundSerializer, forms.RefundForm),
        ActionRow(
            A.APPROVE,
            services.approve,
            s.ApproveSerializer,
            forms.ApproveForm,
            {"signing_unavailable": (503, "the e-result cannot be signed now (no key)")},
        ),
        ActionRow(A.REFUSE, services.refuse, s.ReasonSerializer, forms.ReasonForm),
        ActionRow(A.RETURN_RESULT, services.return_result, s.ReturnSerializer, forms.ReturnForm),
        ActionRow(
            A.WITHDRAW,
            services.withdraw,
            s.OptionalReasonSerializer,
            forms.OptionalReasonForm,
        ),
        ActionRow(A.STOP, services.stop, s.ReasonSerializer, forms.ReasonForm),
        ActionRow(A.RESCHEDULE, services.reschedule, s.RescheduleSerializer, forms.RescheduleForm),
    )
}


def row_for(name: str) -> ActionRow | None:
    try:
        return ACTION_TABLE.get(DossierAction(name))
    except ValueError:
        return None


__all__ = ["ACTION_TABLE", "COMMON_ERRORS", "ActionRow", "row_for"]
