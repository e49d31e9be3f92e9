"""The cases: a dossier (hồ sơ) from submission to returned result, and its records."""

from .actions import WATCHDOG_ACTIONS, DossierAction, action_label
from .applicant import Applicant, ApplicantKind
from .attachments import ComponentFile, EResult, FileSource
from .dossier import Dossier
from .fees import DossierFee, FeeCollection, FeeStatus, PaymentMethod
from .guard import bulk_writes
from .records import (
    DossierComponent,
    DossierSequence,
    Event,
    Pause,
    PauseKind,
    StepRun,
    StepTiming,
)
from .status import (
    AWAITING_RECEIPT,
    CLOSED,
    FINISHED,
    IN_PROCESS,
    OPEN,
    PAUSED,
    RESOLVED,
    RUNNING,
    Channel,
    DossierStatus,
    Outcome,
    ReturnMethod,
)

__all__ = [
    "AWAITING_RECEIPT",
    "CLOSED",
    "FINISHED",
    "IN_PROCESS",
    "OPEN",
    "PAUSED",
    "RESOLVED",
    "RUNNING",
    "WATCHDOG_ACTIONS",
    "Applicant",
    "ApplicantKind",
    "Channel",
    "ComponentFile",
    "Dossier",
    "DossierAction",
    "DossierComponent",
    "DossierFee",
    "DossierSequence",
    "DossierStatus",
    "EResult",
    "Event",
    "FeeCollection",
    "FeeStatus",
    "FileSource",
    "Outcome",
    "Pause",
    "PauseKind",
    "PaymentMethod",
    "ReturnMethod",
    "StepRun",
    "StepTiming",
    "action_label",
    "bulk_writes",
]
