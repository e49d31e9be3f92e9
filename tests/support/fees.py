"""Procedures with fees, for the tests of fees and payments (a pytest plugin, registered in
tests/conftest.py).

`with_fees(code, lines)` gives a procedure of the catalogue a fixed fee with those lines (the
default: a phí of 20,000 đ and a lệ phí of 8,000 đ); the fixture `fee_procedure` does it to the
cast's toàn trình procedure 1.001193 and returns its code. Dossiers filed after it freeze the
lines in their terms.
"""

from __future__ import annotations

import pytest

from procedures.models import FeeLine, FeeMode, Procedure, ProcedureStatus

LINES = [
    {"name": "Phí thẩm định hồ sơ", "amount": 20000, "kind": "phi"},
    {"name": "Lệ phí cấp giấy", "amount": 8000, "kind": "le_phi"},
]
TOTAL = sum(line["amount"] for line in LINES)


def with_fees(code: str, lines: list[dict] | None = None, mode: str = FeeMode.FIXED) -> str:
    procedure = Procedure.objects.get(code=code, status=ProcedureStatus.PUBLISHED)
    procedure.fee_lines.all().delete()
    for order, line in enumerate(lines if lines is not None else LINES, start=1):
        FeeLine.objects.create(procedure=procedure, order=order, **line)
    procedure.fee_mode = mode
    procedure.save(update_fields=["fee_mode"])
    return code


@pytest.fixture
def fee_procedure(cast) -> str:
    return with_fees("1.001193")
