"""Every write to a dossier: one function per action (the one door)."""

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
from .core import TRANSITIONS, available_actions
from .intake import counter_intake, submit_online

__all__ = [
    "TRANSITIONS",
    "approve",
    "assign",
    "available_actions",
    "confirm_payment",
    "counter_intake",
    "hand_over",
    "receive",
    "refuse",
    "refuse_receipt",
    "request_payment",
    "request_supplement",
    "reschedule",
    "return_result",
    "stop",
    "submit_online",
    "supplement",
    "withdraw",
]
