"""Feedback (phản ánh, kiến nghị — PAKN) as the Decision 766 satisfaction group reads it
(docs/indicators.md, "Decision 766"; docs/feedback.md).

Counters of the cells, kept like the others (`models.COUNTERS`): the handlers move them in the
transaction of each change of a feedback (`feedback.signals.feedback_changed`) by
`contribution(after) − contribution(before)`, and both recounts compute the same from the rows.

On the local day a feedback was **received**, with the dimensions of its agency (the one it is
routed to), its procedure (0 when it names none; the level then from the agency: a commune's
agency 2, else 1) and channel 0:

- `feedback_received`: 1;
- `feedback_on_time` / `feedback_late`: handled (answered or rejected with a reason — the first
  handling, `handled_at`) on or before / after its first deadline (`original_due_at`);
- `feedback_satisfied`: handled, and the sender neither said "not satisfied" nor re-opened it;
- `feedback_not_satisfied`: the sender said "not satisfied".

On the local day a **dossier finished**, with the dossier's dimensions:

- `feedback_dossiers_in_time`: a finished dossier (the index's 7/9/10), not late, not rated
  "not satisfied", about which feedback was received once it had finished — so that
  finished − late − unsatisfied_in_time − feedback_dossiers_in_time is the dossiers handled
  without a "not satisfied" rating, feedback or lateness. (Feedback sent while a dossier was
  still being handled is about its handling and is scored by the two feedback items; the
  dossier's own counters cannot know of it, since `dossiers` knows nothing of feedback.)

The measures the index reads: `feedback` (= `feedback_received`), `feedback_on_time`,
`feedback_satisfied`, `feedback_dossiers_in_time`.
"""

from __future__ import annotations

from dossiers.models import FINISHED
from dossiers.rules import timing

from . import tally

FEEDBACK_MEASURES = (
    "feedback",
    "feedback_on_time",
    "feedback_satisfied",
    "feedback_dossiers_in_time",
)
NOT_SATISFIED = "not_satisfied"


def feedback_measures(out: dict) -> None:
    """Name the feedback measures of each group of a `measures()` answer (in place)."""
    for values in out.values():
        values["feedback"] = values.get("feedback_received", 0)
        for name in FEEDBACK_MEASURES[1:]:
            values.setdefault(name, 0)


# --- one feedback -------------------------------------------------------------------------------
def level_of(procedure_level: str | None, agency_id: int, units: dict | None = None) -> int:
    if procedure_level:
        return tally.LEVELS.get(procedure_level, 0)
    unit = units.get(agency_id) if units is not None else tally.commune_of(agency_id)
    return 2 if unit is not None else 1


def dims_of(feedback, units: dict | None = None) -> tally.Dims:
    procedure = feedback.procedure if feedback.procedure_id else None
    return tally.Dims(
        agency_id=feedback.agency_id,
        procedure_id=feedback.procedure_id or 0,
        field_id=procedure.field_id if procedure else 0,
        level=level_of(procedure.level if procedure else None, feedback.agency_id, units),
        channel=0,
    )


def counters(values: dict, original_due_at) -> dict[str, int]:
    """What one feedback counts, from its counted values (`feedback.services.facts`)."""
    handled_at = values["handled_at"]
    handled = handled_at is not None
    return {
        "feedback_received": 1,
        "feedback_on_time": handled and handled_at <= original_due_at,
        "feedback_late": handled and handled_at > original_due_at,
        "feedback_satisfied": (
            handled and values["verdict"] != NOT_SATISFIED and not values["reopen_count"]
        ),
        "feedback_not_satisfied": values["verdict"] == NOT_SATISFIED,
    }


def contribution(
    feedback, values: dict, out: tally.Base | None = None, sign: int = 1, units=None
) -> tally.Base:
    out = {} if out is None else out
    tally._add(
        out,
        tally.local_day(feedback.received_at),
        dims_of(feedback, units),
        counters(values, feedback.original_due_at),
        sign,
    )
    return out


# --- dossiers that drew feedback once finished --------------------------------------------------
def finished_in_time(f: tally.Facts) -> bool:
    return (
        f.status in FINISHED
        and f.received_at is not None
        and f.finished_at is not None
        and timing(f.finished_at, f.due_at).value != "late"
    )


def dossier_contribution(f: tally.Facts, out: tally.Base | None = None, sign: int = 1):
    out = {} if out is None else out
    tally._add(out, tally.local_day(f.finished_at), f.dims, {"feedback_dossiers_in_time": 1}, sign)
    return out
