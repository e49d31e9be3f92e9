"""The cases: a dossier (hồ sơ) from submission to returned result, and its records."""

from .applicant import Applicant, ApplicantKind
from .attachments import ComponentFile, EResult, FileSource
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
    "ComponentFile",
    "Dossier",
    "DossierComponent",
    "DossierSequence",
    "DossierStatus",
    "EResult",
    "Event",
    "FileSource",
    "Outcome",
    "Pause",
    "PauseKind",
    "ReturnMethod",
    "StepRun",
    "StepTiming",
]
