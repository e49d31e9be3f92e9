"""The cases: a dossier (hồ sơ) from submission to returned result, and its records."""

from .applicant import Applicant, ApplicantKind
from .dossier import Channel, Dossier, DossierStatus, Outcome, ReturnMethod
from .records import (
    DossierComponent,
    DossierSequence,
    Event,
    Pause,
    PauseKind,
    StepRun,
    StepTiming,
)

__all__ = [
    "Applicant",
    "ApplicantKind",
    "Channel",
    "Dossier",
    "DossierComponent",
    "DossierSequence",
    "DossierStatus",
    "Event",
    "Outcome",
    "Pause",
    "PauseKind",
    "ReturnMethod",
    "StepRun",
    "StepTiming",
]
