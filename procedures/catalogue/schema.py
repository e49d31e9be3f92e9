"""Validation of catalogue rows (JSON or CSV) before anything is written.

Every row is checked in full and every problem is reported with its row number and field name,
so that an importer can refuse the whole file and tell the administrator everything at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from procedures.vocabulary import StepRole

CODE_RE = re.compile(r"^\d\.\d{6}$")
FIELD_CODE_RE = re.compile(r"^[A-Z0-9_]{1,64}$")

LEVELS = ("province", "commune")
SERVICE_LEVELS = ("full", "partial", "offline")
AGENCY_KINDS = (
    "provincial_department",
    "provincial_service_centre",
    "commune_committee",
    "commune_service_centre",
    "vertical_central",
    "provincial_committee",
)
TIME_UNITS = ("working_days", "days", "working_hours", "months")
FEE_MODES = ("free", "fixed", "regulation", "unknown")
FEE_KINDS = ("phi", "le_phi")
STEP_ROLES = tuple(StepRole.values)
SUPPLEMENT_RULES = ("restart", "shift")
STATUSES = ("draft", "published")

REQUIRED = ("code", "name", "field_code", "level", "service_level", "processing_time_value")
# Every key a row may carry, with its default when absent.
DEFAULTS: dict[str, object] = {
    "code": None,
    "local_code": "",
    "name": None,
    "field_code": None,
    "field_name": "",
    "field_raw": "",
    "field_inferred": False,
    "level": None,
    "level_raw": "",
    "agency_kind": None,  # derived from the level when absent
    "agency_name": "",
    "service_level": None,
    "service_level_assigned": False,
    "processing_time_value": None,
    "processing_time_unit": "working_days",
    "processing_time_raw": "",
    "processing_time_inferred": False,
    "fee_mode": "unknown",
    "fees": [],
    "fee_raw": "",
    "result_name": "",
    "legal_basis": "",
    "supplement_rule": "restart",
    "supplement_window_days": 15,
    "components": [],
    "components_inferred": False,
    "steps": [],
    "steps_inferred": False,
    "origin": "",
    "status": "published",
}
TEXT_KEYS = (
    "local_code",
    "field_name",
    "field_raw",
    "level_raw",
    "agency_name",
    "processing_time_raw",
    "fee_raw",
    "result_name",
    "legal_basis",
    "origin",
)
BOOL_KEYS = (
    "field_inferred",
    "service_level_assigned",
    "processing_time_inferred",
    "components_inferred",
    "steps_inferred",
)
MAX_TIME = Decimal("999999")


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str
    code: str = ""

    def __str__(self) -> str:
        who = f" ({self.code})" if self.code else ""
        return f"row {self.row}{who}, {self.field}: {self.message}"


def _bool(value, field: str, errors: list[tuple[str, str]]):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "có"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "không", ""}:
        return False
    if value in (0, 1):
        return bool(value)
    errors.append((field, f"expected true or false, got {value!r}"))
    return False


def _int(value, field: str, errors, *, minimum=0, maximum=None, allow_none=False):
    if value is None or value == "":
        if allow_none:
            return None
        errors.append((field, "is required"))
        return None
    if isinstance(value, bool):
        errors.append((field, f"expected a whole number, got {value!r}"))
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.append((field, f"expected a whole number, got {value!r}"))
        return None
    if number != number.to_integral_value():
        errors.append((field, f"expected a whole number, got {value!r}"))
        return None
    number = int(number)
    if number < minimum:
        errors.append((field, f"must be at least {minimum}, got {number}"))
        return None
    if maximum is not None and number > maximum:
        errors.append((field, f"must be at most {maximum}, got {number}"))
        return None
    return number


def _choice(value, field: str, allowed, errors):
    if value not in allowed:
        errors.append((field, f"must be one of {', '.join(allowed)}; got {value!r}"))
        return None
    return value


def _list_of_dicts(value, field: str, errors) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        errors.append((field, "expected a list of objects"))
        return []
    return value


def clean_row(raw: dict, known_fields: set[str]) -> tuple[dict, list[tuple[str, str]]]:
    """Return the normalised row and a list of (field, message) problems."""
    errors: list[tuple[str, str]] = []
    if not isinstance(raw, dict):
        return {}, [("row", "expected an object")]
    unknown = sorted(set(raw) - set(DEFAULTS))
    for key in unknown:
        errors.append((key, "unknown column"))
    # A blank cell (CSV) means "not given": it takes the column's default, if it has one.
    row = {
        key: default
        if raw.get(key) in (None, "") and default not in (None, "")
        else raw.get(key, default)
        for key, default in DEFAULTS.items()
    }
    for key in REQUIRED:
        if row[key] is None or (isinstance(row[key], str) and not row[key].strip()):
            errors.append((key, "is required"))

    code = str(row["code"] or "").strip()
    if code and not CODE_RE.match(code):
        errors.append(("code", f"must look like D.NNNNNN (e.g. 1.001193), got {code!r}"))
    row["code"] = code
    row["name"] = str(row["name"] or "").strip()
    for key in TEXT_KEYS:
        value = row[key]
        if value is None:
            row[key] = ""
        elif not isinstance(value, str):
            errors.append((key, "expected text"))
        else:
            row[key] = value.strip()

    field_code = str(row["field_code"] or "").strip()
    row["field_code"] = field_code
    if field_code and field_code not in known_fields:
        errors.append(("field_code", f"unknown field {field_code!r}"))

    if row["level"] is not None:
        _choice(row["level"], "level", LEVELS, errors)
    if row["agency_kind"] in (None, ""):
        row["agency_kind"] = (
            "provincial_department" if row["level"] == "province" else "commune_committee"
        )
    else:
        _choice(row["agency_kind"], "agency_kind", AGENCY_KINDS, errors)
    if row["service_level"] is not None:
        _choice(row["service_level"], "service_level", SERVICE_LEVELS, errors)
    _choice(row["processing_time_unit"], "processing_time_unit", TIME_UNITS, errors)
    _choice(row["fee_mode"], "fee_mode", FEE_MODES, errors)
    _choice(row["supplement_rule"], "supplement_rule", SUPPLEMENT_RULES, errors)
    _choice(row["status"], "status", STATUSES, errors)
    for key in BOOL_KEYS:
        row[key] = _bool(row[key], key, errors)

    value = row["processing_time_value"]
    if value not in (None, ""):
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            time_value = Decimal(str(value).strip())
            if not time_value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(("processing_time_value", f"expected a number, got {value!r}"))
        else:
            if time_value < 0:
                errors.append(("processing_time_value", f"must not be negative, got {value}"))
            elif time_value > MAX_TIME:
                errors.append(("processing_time_value", f"is implausibly large: {value}"))
            row["processing_time_value"] = time_value.quantize(Decimal("0.01"))
    row["supplement_window_days"] = _int(
        row["supplement_window_days"], "supplement_window_days", errors, maximum=365
    )

    fees = []
    for i, fee in enumerate(_list_of_dicts(row["fees"], "fees", errors)):
        where = f"fees[{i}]"
        name = str(fee.get("name") or "").strip()
        if not name:
            errors.append((f"{where}.name", "is required"))
        amount = _int(fee.get("amount"), f"{where}.amount", errors, allow_none=True)
        kind = _choice(fee.get("kind", "le_phi"), f"{where}.kind", FEE_KINDS, errors)
        fees.append({"name": name[:500], "amount": amount, "kind": kind})
    row["fees"] = fees

    components = []
    for i, comp in enumerate(_list_of_dicts(row["components"], "components", errors)):
        where = f"components[{i}]"
        name = str(comp.get("name") or "").strip()
        if not name:
            errors.append((f"{where}.name", "is required"))
        components.append(
            {
                "name": name,
                "originals": _int(comp.get("originals", 0), f"{where}.originals", errors),
                "copies": _int(comp.get("copies", 0), f"{where}.copies", errors),
                "form_template": str(comp.get("form_template") or "").strip()[:300],
                "mandatory": _bool(comp.get("mandatory", True), f"{where}.mandatory", errors),
                "reusable": _bool(comp.get("reusable", False), f"{where}.reusable", errors),
            }
        )
    row["components"] = components

    steps = []
    for i, step in enumerate(_list_of_dicts(row["steps"], "steps", errors)):
        where = f"steps[{i}]"
        name = str(step.get("name") or "").strip()
        if not name:
            errors.append((f"{where}.name", "is required"))
        steps.append(
            {
                "order": i + 1,
                "name": name[:300],
                "role": _choice(step.get("role"), f"{where}.role", STEP_ROLES, errors),
                "share": _int(step.get("share"), f"{where}.share", errors, maximum=100),
            }
        )
    shares = [s["share"] for s in steps]
    if steps and None not in shares and sum(shares) != 100:
        errors.append(("steps", f"shares must add up to 100, got {sum(shares)}"))
    row["steps"] = steps
    return row, errors


def validate_rows(
    rows: list, file_fields: dict[str, str], db_fields: set[str]
) -> tuple[list[dict], list[RowError]]:
    """Validate all rows; return the cleaned rows and every error found (row numbers from 1)."""
    known = set(file_fields) | set(db_fields)
    for raw in rows:
        if isinstance(raw, dict) and raw.get("field_code") and raw.get("field_name"):
            known.add(str(raw["field_code"]).strip())
    for code in file_fields:
        if not FIELD_CODE_RE.match(code):
            known.discard(code)
    cleaned, errors, seen = [], [], {}
    for number, raw in enumerate(rows, start=1):
        row, problems = clean_row(raw, known)
        code = row.get("code", "")
        if code:
            if code in seen:
                problems.append(("code", f"duplicate code, first seen in row {seen[code]}"))
            else:
                seen[code] = number
        errors.extend(RowError(number, f, m, code) for f, m in problems)
        cleaned.append(row)
    return cleaned, errors


def validate_fields(fields: list) -> tuple[dict[str, str], list[RowError]]:
    """The file's field list: [{"code", "name"}] with codes in A-Z, 0-9 and _."""
    out: dict[str, str] = {}
    errors: list[RowError] = []
    for number, item in enumerate(fields or [], start=1):
        if not isinstance(item, dict):
            errors.append(RowError(number, "fields", "expected an object"))
            continue
        code = str(item.get("code") or "").strip()
        name = str(item.get("name") or "").strip()
        if not FIELD_CODE_RE.match(code):
            errors.append(RowError(number, "fields.code", f"bad field code {code!r}"))
        if not name:
            errors.append(RowError(number, "fields.name", "is required"))
        if code in out:
            errors.append(RowError(number, "fields.code", f"duplicate field code {code!r}"))
        out[code] = name
    return out, errors
