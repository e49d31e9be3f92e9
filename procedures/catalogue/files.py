"""Reading and writing catalogue files: JSON (the committed format) and CSV (for spreadsheets).

The JSON file is {"format": "onecua-catalogue", "version": 1, "fields": [...], "procedures":
[...]}; a bare list of procedure rows is accepted too. A CSV file has one procedure per line with
the same keys as columns; the list columns (components, steps, fees) hold JSON text, and each row
names its field with `field_code` and `field_name`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from .schema import DEFAULTS, RowError

FORMAT = "onecua-catalogue"
VERSION = 1
LIST_COLUMNS = ("components", "steps", "fees")
CSV_COLUMNS = list(DEFAULTS)


class CatalogueFileError(Exception):
    """The file cannot be read at all (not the rows' content: see RowError)."""


@dataclass
class CatalogueFile:
    fields: list[dict] = field(default_factory=list)
    procedures: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def detect_format(path: Path, explicit: str | None = None) -> str:
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    if fmt not in {"json", "csv"}:
        raise CatalogueFileError(f"Unknown catalogue format {fmt!r}: use .json or .csv")
    return fmt


def read_catalogue(path: Path, fmt: str | None = None) -> CatalogueFile:
    path = Path(path)
    fmt = detect_format(path, fmt)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CatalogueFileError(f"No such file: {path}") from exc
    except UnicodeDecodeError as exc:
        raise CatalogueFileError(f"{path} is not UTF-8 text: {exc}") from exc
    return parse_json(text) if fmt == "json" else parse_csv(text)


def parse_json(text: str) -> CatalogueFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueFileError(f"Invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    if isinstance(data, list):
        return CatalogueFile(procedures=data)
    if not isinstance(data, dict):
        raise CatalogueFileError("Expected a JSON object with 'procedures', or a list of rows")
    if data.get("format", FORMAT) != FORMAT:
        raise CatalogueFileError(f"Not an onecua catalogue (format {data.get('format')!r})")
    if data.get("version", VERSION) != VERSION:
        raise CatalogueFileError(f"Unsupported catalogue version {data.get('version')!r}")
    procedures = data.get("procedures")
    if not isinstance(procedures, list):
        raise CatalogueFileError("'procedures' must be a list")
    fields = data.get("fields") or []
    if not isinstance(fields, list):
        raise CatalogueFileError("'fields' must be a list")
    return CatalogueFile(fields=fields, procedures=procedures)


def parse_csv(text: str) -> CatalogueFile:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise CatalogueFileError("The CSV file has no header line")
    rows: list[dict] = []
    errors: list[RowError] = []
    for number, record in enumerate(reader, start=1):
        if None in record:
            errors.append(RowError(number, "row", "more values than columns"))
            record.pop(None)
        row: dict = {k: v for k, v in record.items() if v is not None}
        for key in LIST_COLUMNS:
            value = row.get(key)
            if value:
                try:
                    row[key] = json.loads(value)
                except json.JSONDecodeError as exc:
                    errors.append(RowError(number, key, f"invalid JSON list: {exc.msg}"))
                    row[key] = []
        rows.append(row)
    return CatalogueFile(procedures=rows, errors=errors)


def dump_json(fields: list[dict], procedures: list[dict], **meta) -> str:
    document = {"format": FORMAT, "version": VERSION, **meta, "fields": fields}
    document["procedures"] = procedures
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def dump_csv(procedures: list[dict], field_names: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in procedures:
        record = dict(row)
        record["field_name"] = field_names.get(row["field_code"], "")
        for key in LIST_COLUMNS:
            record[key] = json.dumps(row.get(key) or [], ensure_ascii=False)
        for key, value in record.items():
            if isinstance(value, bool):
                record[key] = "true" if value else "false"
        writer.writerow({k: record.get(k, "") for k in CSV_COLUMNS})
    return out.getvalue()
