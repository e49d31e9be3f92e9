"""Every write to a dossier: one function per action, each through the one door
(`dossier_action()` in door.py)."""

from .actions import (
    approve,
    assign,
    confirm_payment,
    hand_over,
    receive,
    refuse,
    refuse_receipt,
    request_payment,
    request_supplement,
    reschedule,
    return_result,
    stop,
    supplement,
    withdraw,
)
from .door import (
    DossierChange,
    DossierState,
    available_actions,
    dossier_action,
    explain,
    new_dossier,
    still_visible,
)
from .fees import adjust_fee, collect_fee, record_online_payment, record_refund
from .files import attach_file, digitise
from .intake import counter_intake, submit_online

__all__ = [
    "DossierChange",
    "DossierState",
    "adjust_fee",
    "approve",
    "assign",
    "attach_file",
    "available_actions",
    "collect_fee",
    "confirm_payment",
    "counter_intake",
    "digitise",
    "dossier_action",
    "explain",
    "hand_over",
    "new_dossier",
    "receive",
    "record_online_payment",
    "record_refund",
    "refuse",
    "refuse_receipt",
    "request_payment",
    "request_supplement",
    "reschedule",
    "return_result",
    "still_visible",
    "stop",
    "submit_online",
    "supplement",
    "withdraw",
]
