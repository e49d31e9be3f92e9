"""Feedback (phản ánh, kiến nghị — PAKN) as the Decision 766 satisfaction group reads it.

Feedback itself is issue 14 §4 and not built yet. This is the interface the index reads, and
today it answers **zero feedback** for every scope and period, so the no-feedback rule of the
satisfaction group applies (docs/indicators.md, "Decision 766"). When feedback exists, it fills
these measures (per group key of `measures.measures`: None, an agency, a commune, a day or a
month) — as counters of the cells, kept like the others — and nothing else changes:

- `feedback`: feedback about the scope's procedures or dossiers received in the period;
- `feedback_on_time`: of them, handled on or before its deadline;
- `feedback_satisfied`: of them, handled without the applicant being unsatisfied or
  complaining again;
- `feedback_dossiers_in_time`: dossiers of the period's `finished` that were neither late nor
  rated "not satisfied" but drew feedback (they leave the third item's numerator).
"""

from __future__ import annotations

FEEDBACK_MEASURES = (
    "feedback",
    "feedback_on_time",
    "feedback_satisfied",
    "feedback_dossiers_in_time",
)


def feedback_measures(keys) -> dict:
    """The feedback measures of each group key of a `measures()` answer: zero today."""
    return {key: dict.fromkeys(FEEDBACK_MEASURES, 0) for key in keys}
