"""The catalogue import (manage.py import_catalogue) and export (manage.py export_catalogue).

What an administrator relies on: the committed catalogue loads completely; re-importing changes
nothing; a changed row updates exactly that procedure; a bad file is refused as a whole with every
problem listed (row number and field); and an export re-imports to the same catalogue.

Importing the whole committed catalogue takes about a second, so only three tests do it.
"""

import csv
import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from procedures.catalogue.files import CSV_COLUMNS, read_catalogue
from procedures.catalogue.importer import CatalogueInvalid, import_catalogue
from procedures.catalogue.schema import validate_fields, validate_rows
from procedures.models import (
    FeeLine,
    Field,
    Procedure,
    ProcedureComponent,
    ProcedureStatus,
    ProcessStep,
)
from tests.factories import FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.ONECUA_CATALOGUE_FILE)
FIELDS = [{"code": "HO_TICH", "name": "Hộ tịch"}, {"code": "DAT_DAI", "name": "Đất đai"}]


# --- helpers --------------------------------------------------------------------------------


def run_import(*args, **options) -> tuple[str, str]:
    """Run import_catalogue; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalogue", *map(str, args), no_progress=True, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[str, list[str]]:
    """Run an import that must fail; return (the CommandError message, the stderr lines)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "import_catalogue",
            *map(str, args),
            no_progress=True,
            stdout=io.StringIO(),
            stderr=err,
        )
    return str(info.value), [line.strip() for line in err.getvalue().splitlines() if line.strip()]


def row(code="1.000001", **overrides) -> dict:
    """A minimal valid catalogue row."""
    data = {
        "code": code,
        "name": f"Thủ tục thử nghiệm {code}",
        "field_code": "HO_TICH",
        "level": "commune",
        "service_level": "full",
        "processing_time_value": 5,
        "components": [{"name": "Tờ khai", "originals": 1, "copies": 0}],
        "steps": [
            {"name": "Tiếp nhận", "role": "receive", "share": 10},
            {"name": "Xử lý", "role": "specialist", "share": 70},
            {"name": "Phê duyệt", "role": "leader", "share": 20},
        ],
        "fees": [{"name": "Lệ phí", "amount": 8000, "kind": "le_phi"}],
    }
    data.update(overrides)
    return data


def write_json(path: Path, rows: list, fields=FIELDS, **document) -> Path:
    path.write_text(
        json.dumps(
            {"format": "onecua-catalogue", "version": 1, "fields": fields, "procedures": rows}
            | document,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def write_csv(path: Path, header: list[str], records: list[list]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def cleaned(path: Path) -> tuple[dict, dict[str, dict]]:
    """(fields, code → cleaned row) of a catalogue file, as the importer validates it."""
    document = read_catalogue(path)
    fields, field_errors = validate_fields(document.fields)
    rows, errors = validate_rows(document.procedures, fields, set())
    assert not document.errors + field_errors + errors
    return fields, {r["code"]: r for r in rows}


def database_state() -> dict:
    """Everything an import could touch, with ids and timestamps."""
    return {
        "procedures": sorted(
            Procedure.objects.values_list("id", "code", "version", "updated_at", "content_hash")
        ),
        "fields": sorted(Field.objects.values_list("id", "code", "name")),
        "components": sorted(ProcedureComponent.objects.values_list("id", "procedure_id", "name")),
        "steps": sorted(ProcessStep.objects.values_list("id", "procedure_id", "share")),
        "fees": sorted(FeeLine.objects.values_list("id", "procedure_id", "amount")),
    }


# --- the committed catalogue ------------------------------------------------------------------


def test_committed_catalogue_imports_completely_and_reimport_changes_nothing():
    source = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    rows = source["procedures"]

    out, err = run_import()  # default path: settings.ONECUA_CATALOGUE_FILE

    assert "2135 procedures — 2135 created, 0 updated, 0 unchanged; 174 new fields" in out
    assert err == ""
    published = Procedure.objects.filter(status=ProcedureStatus.PUBLISHED, version=1)
    assert published.count() == Procedure.objects.count() == 2135
    assert Counter(published.values_list("service_level", flat=True)) == {
        "full": 885,
        "partial": 1183,
        "offline": 67,
    }
    assert not published.filter(valid_from__isnull=True).exists()
    assert dict(Field.objects.values_list("code", "name")) == {
        f["code"]: f["name"] for f in source["fields"]
    }
    assert ProcedureComponent.objects.count() == sum(len(r["components"]) for r in rows) > 2135
    assert ProcessStep.objects.count() == sum(len(r["steps"]) for r in rows) > 2135
    assert FeeLine.objects.count() == sum(len(r["fees"]) for r in rows) > 0

    # One procedure in detail, against its row in the file.
    first = rows[0]
    proc = Procedure.objects.get(code=first["code"])
    assert proc.name == first["name"]
    assert proc.field.code == first["field_code"]
    assert proc.local_code == first["local_code"]
    assert proc.processing_time_value == Decimal(str(first["processing_time_value"]))
    assert proc.processing_time_unit == first["processing_time_unit"]
    assert list(proc.components.order_by("order").values_list("name", flat=True)) == [
        c["name"] for c in first["components"]
    ]
    assert list(proc.steps.order_by("order").values_list("role", "share")) == [
        (s["role"], s["share"]) for s in first["steps"]
    ]
    with_fees = next(r for r in rows if r["fees"])
    assert list(
        Procedure.objects.get(code=with_fees["code"])
        .fee_lines.order_by("order")
        .values_list("name", "amount", "kind")
    ) == [(f["name"], f["amount"], f["kind"]) for f in with_fees["fees"]]

    before = database_state()
    out, _ = run_import(CATALOGUE)
    assert "2135 procedures — 0 created, 0 updated, 2135 unchanged; 0 new fields" in out
    assert database_state() == before


def test_changing_one_row_updates_exactly_that_procedure(tmp_path):
    run_import()
    source = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    target = next(r for r in source["procedures"] if len(r["components"]) >= 2)
    code = target["code"]
    old = Procedure.objects.get(code=code)
    old_component_ids = set(old.components.values_list("id", flat=True))
    others_before = database_state()

    target["name"] = "Thủ tục đã được sửa tên"
    target["processing_time_value"] = 12.5
    target["components"] = [
        {**target["components"][0], "name": "Giấy tờ mới thay thế", "copies": 2},
        *target["components"][2:],
    ]
    path = write_json(tmp_path / "changed.json", source["procedures"], fields=source["fields"])
    out, _ = run_import(path)

    assert "2135 procedures — 0 created, 1 updated, 2134 unchanged; 0 new fields" in out
    proc = Procedure.objects.get(code=code)
    assert proc.pk == old.pk
    assert proc.version == 1 and proc.status == ProcedureStatus.PUBLISHED
    assert proc.name == "Thủ tục đã được sửa tên"
    assert proc.processing_time_value == Decimal("12.50")
    assert proc.updated_at > old.updated_at
    components = list(proc.components.order_by("order").values_list("order", "name", "copies"))
    assert components == [
        (i, c["name"], c["copies"]) for i, c in enumerate(target["components"], start=1)
    ]
    assert not old_component_ids & set(proc.components.values_list("id", flat=True))
    assert "da duoc sua ten" in proc.search_text

    # Every other procedure, and every part of them, is exactly as before.
    after = database_state()
    for key in ("procedures", "components", "steps", "fees"):
        column = 0 if key == "procedures" else 1
        assert [r for r in after[key] if r[column] != old.pk] == [
            r for r in others_before[key] if r[column] != old.pk
        ], key
    assert after["fields"] == others_before["fields"]


def test_export_reproduces_the_import_in_json_and_csv(tmp_path):
    run_import()
    exported = tmp_path / "export.json"
    call_command("export_catalogue", format="json", output=str(exported), stdout=io.StringIO())

    committed_fields, committed_rows = cleaned(CATALOGUE)
    exported_fields, exported_rows = cleaned(exported)
    assert exported_fields == committed_fields
    assert exported_rows.keys() == committed_rows.keys()
    assert len(exported_rows) == 2135
    different = [code for code in committed_rows if exported_rows[code] != committed_rows[code]]
    assert different == []

    # Re-importing the export is a no-op.
    out, _ = run_import(exported)
    assert "0 created, 0 updated, 2135 unchanged" in out

    # CSV: export, empty the catalogue, import the CSV, and the JSON export is identical.
    exported_csv = tmp_path / "export.csv"
    call_command("export_catalogue", format="csv", output=str(exported_csv), stdout=io.StringIO())
    with exported_csv.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == CSV_COLUMNS
    for model in (ProcedureComponent, ProcessStep, FeeLine, Procedure, Field):
        model.objects.all().delete()  # parts first: much faster than cascading
    assert Procedure.objects.count() == Field.objects.count() == 0

    out, _ = run_import(exported_csv)
    assert "2135 procedures — 2135 created, 0 updated, 0 unchanged; 174 new fields" in out
    again = tmp_path / "again.json"
    call_command("export_catalogue", format="json", output=str(again), stdout=io.StringIO())
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


# --- small files ------------------------------------------------------------------------------


def test_small_json_file_creates_procedures_with_fields_and_parts(tmp_path):
    path = write_json(
        tmp_path / "small.json",
        [row("1.000001"), row("2.000002", field_code="DAT_DAI", level="province", status="draft")],
    )
    out, _ = run_import(path)

    assert "2 procedures — 2 created, 0 updated, 0 unchanged; 2 new fields" in out
    first = Procedure.objects.get(code="1.000001")
    assert first.status == ProcedureStatus.PUBLISHED and first.valid_from is not None
    assert first.field.name == "Hộ tịch"
    assert first.agency_kind == "commune_committee"  # derived from the level
    assert first.local_code == f"1.000001.000.00.00.{settings.ONECUA_PROVINCE_AGENCY_CODE}"
    assert list(first.steps.values_list("order", "role", "share")) == [
        (1, "receive", 10),
        (2, "specialist", 70),
        (3, "leader", 20),
    ]
    assert list(first.fee_lines.values_list("order", "amount")) == [(1, 8000)]
    draft = Procedure.objects.get(code="2.000002")
    assert draft.status == ProcedureStatus.DRAFT and draft.valid_from is None
    assert draft.agency_kind == "provincial_department"


def test_csv_file_with_field_columns_creates_the_field(tmp_path):
    header = [
        "code",
        "name",
        "field_code",
        "field_name",
        "level",
        "service_level",
        "processing_time_value",
        "processing_time_unit",
        "components",
        "steps",
        "fees",
    ]
    steps = json.dumps(
        [
            {"name": "Tiếp nhận", "role": "receive", "share": 40},
            {"name": "Xử lý", "role": "leader", "share": 60},
        ]
    )
    path = write_csv(
        tmp_path / "small.csv",
        header,
        [
            [
                "1.000111",
                "Đăng ký khai sinh",
                "HO_TICH_CSV",
                "Hộ tịch (CSV)",
                "commune",
                "full",
                "3",
                "working_days",
                json.dumps([{"name": "Tờ khai đăng ký khai sinh", "reusable": "true"}]),
                steps,
                "",
            ],
            [
                "1.000112",
                "Đăng ký kết hôn",
                "HO_TICH_CSV",
                "",
                "commune",
                "partial",
                "0.5",
                "working_hours",
                "",
                steps,
                "[]",
            ],
        ],
    )
    out, _ = run_import(path)

    assert "2 procedures — 2 created, 0 updated, 0 unchanged; 1 new fields" in out
    field = Field.objects.get(code="HO_TICH_CSV")
    assert field.name == "Hộ tịch (CSV)"
    birth = Procedure.objects.get(code="1.000111")
    assert birth.field == field
    assert birth.processing_time_value == Decimal("3.00")
    assert list(birth.components.values_list("name", "originals", "reusable")) == [
        ("Tờ khai đăng ký khai sinh", 0, True)
    ]
    marriage = Procedure.objects.get(code="1.000112")
    assert marriage.field == field
    assert (marriage.processing_time_value, marriage.processing_time_unit) == (
        Decimal("0.50"),
        "working_hours",
    )
    assert marriage.steps.count() == 2


def test_reimport_of_a_small_file_is_a_no_op_and_a_change_replaces_parts(tmp_path):
    rows = [row("1.000001"), row("1.000002"), row("1.000003")]
    run_import(write_json(tmp_path / "v1.json", rows))
    before = database_state()

    out, _ = run_import(write_json(tmp_path / "v1-again.json", rows))
    assert "0 created, 0 updated, 3 unchanged" in out
    assert database_state() == before

    rows[1] = row(
        "1.000002",
        processing_time_value=20,
        components=[{"name": "A"}, {"name": "B"}],
        fees=[],
        steps=[{"name": "Một bước", "role": "specialist", "share": 100}],
    )
    out, _ = run_import(write_json(tmp_path / "v2.json", rows))
    assert "0 created, 1 updated, 2 unchanged" in out
    changed = Procedure.objects.get(code="1.000002")
    assert changed.processing_time_value == 20
    assert list(changed.components.values_list("order", "name")) == [(1, "A"), (2, "B")]
    assert list(changed.steps.values_list("name", "share")) == [("Một bước", 100)]
    assert not changed.fee_lines.exists()
    after = database_state()
    assert [p for p in after["procedures"] if p[1] != "1.000002"] == [
        p for p in before["procedures"] if p[1] != "1.000002"
    ]


def test_import_updates_the_published_version_not_a_draft(tmp_path):
    field = FieldFactory(code="HO_TICH", name="Hộ tịch")
    published = ProcedureFactory(code="1.000001", field=field, name="Tên cũ")
    draft = ProcedureFactory(
        code="1.000001",
        version=2,
        field=field,
        name="Dự thảo",
        status=ProcedureStatus.DRAFT,
        valid_from=None,
    )
    out, _ = run_import(write_json(tmp_path / "c.json", [row("1.000001", name="Tên mới")]))

    assert "0 created, 1 updated, 0 unchanged" in out
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.name == "Tên mới"
    assert published.status == ProcedureStatus.PUBLISHED
    assert draft.name == "Dự thảo"
    assert Procedure.objects.filter(code="1.000001").count() == 2


# --- validation: a bad file imports nothing and lists every problem ---------------------------

# (id, procedures of the file, expected stderr line for the bad row)
BAD_JSON_ROWS = [
    (
        "missing code",
        [row("1.000001"), {k: v for k, v in row().items() if k != "code"}],
        "row 2, code: is required",
    ),
    (
        "bad code format",
        [row("1.000001"), row("1.0001")],
        "row 2 (1.0001), code: must look like D.NNNNNN (e.g. 1.001193), got '1.0001'",
    ),
    (
        "duplicate code",
        [row("1.000001"), row("1.000002"), row("1.000001")],
        "row 3 (1.000001), code: duplicate code, first seen in row 1",
    ),
    (
        "unknown field code",
        [row("1.000001"), row("1.000002", field_code="KHONG_CO")],
        "row 2 (1.000002), field_code: unknown field 'KHONG_CO'",
    ),
    (
        "unknown column",
        [row("1.000001"), row("1.000002", thoi_han=5)],
        "row 2 (1.000002), thoi_han: unknown column",
    ),
    (
        "bad service level",
        [row("1.000001"), row("1.000002", service_level="online")],
        "row 2 (1.000002), service_level: must be one of full, partial, offline; got 'online'",
    ),
    (
        "negative processing time",
        [row("1.000001"), row("1.000002", processing_time_value=-3)],
        "row 2 (1.000002), processing_time_value: must not be negative, got -3",
    ),
    (
        "non-numeric processing time",
        [row("1.000001"), row("1.000002", processing_time_value="mười ngày")],
        "row 2 (1.000002), processing_time_value: expected a number, got 'mười ngày'",
    ),
    (
        "bad time unit",
        [row("1.000001"), row("1.000002", processing_time_unit="weeks")],
        "row 2 (1.000002), processing_time_unit: must be one of working_days, days, "
        "working_hours, months; got 'weeks'",
    ),
    (
        "step shares not summing to 100",
        [
            row("1.000001"),
            row(
                "1.000002",
                steps=[
                    {"name": "Tiếp nhận", "role": "receive", "share": 10},
                    {"name": "Xử lý", "role": "specialist", "share": 80},
                ],
            ),
        ],
        "row 2 (1.000002), steps: shares must add up to 100, got 90",
    ),
    (
        "bad step role",
        [
            row("1.000001"),
            row(
                "1.000002",
                steps=[
                    {"name": "Tiếp nhận", "role": "receive", "share": 10},
                    {"name": "Xử lý", "role": "clerk", "share": 90},
                ],
            ),
        ],
        "row 2 (1.000002), steps[1].role: must be one of receive, specialist, leader, return; "
        "got 'clerk'",
    ),
    (
        "negative fee amount",
        [row("1.000001"), row("1.000002", fees=[{"name": "Lệ phí", "amount": -5000}])],
        "row 2 (1.000002), fees[0].amount: must be at least 0, got -5000",
    ),
    (
        "components not a list",
        [row("1.000001"), row("1.000002", components="Tờ khai; Giấy khai sinh")],
        "row 2 (1.000002), components: expected a list of objects",
    ),
]


@pytest.mark.parametrize(
    ("procedures", "expected"),
    [pytest.param(rows, line, id=name) for name, rows, line in BAD_JSON_ROWS],
)
def test_a_bad_json_row_refuses_the_whole_file(tmp_path, procedures, expected):
    path = write_json(tmp_path / "bad.json", procedures)
    message, lines = refused(path)

    assert message == f"1 error(s) found in {path}; nothing was imported."
    assert lines == [expected]
    assert Procedure.objects.count() == 0
    assert Field.objects.count() == 0


def test_every_error_of_a_file_is_listed_in_row_order(tmp_path):
    procedures = [
        row("1.000001"),  # valid
        row("1.00002", service_level="toàn trình", processing_time_value=-1),
        row("1.000003"),  # valid
        row(
            "1.000004",
            field_code="KHONG_CO",
            processing_time_unit="tuần",
            fees=[{"name": "", "amount": "mười nghìn", "kind": "thue"}],
        ),
        {k: v for k, v in row("1.000005").items() if k not in ("name", "level")},
        row("1.000003", steps=[{"name": "Xử lý", "role": "specialist", "share": 101}]),
    ]
    path = write_json(tmp_path / "bad.json", procedures)
    message, lines = refused(path)

    assert lines == [
        "row 2 (1.00002), code: must look like D.NNNNNN (e.g. 1.001193), got '1.00002'",
        "row 2 (1.00002), processing_time_value: must not be negative, got -1",
        "row 2 (1.00002), service_level: must be one of full, partial, offline; got 'toàn trình'",
        "row 4 (1.000004), fees[0].amount: expected a whole number, got 'mười nghìn'",
        "row 4 (1.000004), fees[0].kind: must be one of phi, le_phi; got 'thue'",
        "row 4 (1.000004), fees[0].name: is required",
        "row 4 (1.000004), field_code: unknown field 'KHONG_CO'",
        "row 4 (1.000004), processing_time_unit: must be one of working_days, days, "
        "working_hours, months; got 'tuần'",
        "row 5 (1.000005), level: is required",
        "row 5 (1.000005), name: is required",
        "row 6 (1.000003), code: duplicate code, first seen in row 3",
        "row 6 (1.000003), steps[0].share: must be at most 100, got 101",
    ]
    assert message == f"12 error(s) found in {path}; nothing was imported."
    assert Procedure.objects.count() == 0
    assert Field.objects.count() == 0
    assert ProcedureComponent.objects.count() == 0


def test_a_refused_file_leaves_the_existing_catalogue_untouched(tmp_path):
    field = FieldFactory(code="HO_TICH", name="Hộ tịch")
    existing = ProcedureFactory(
        code="1.000001", field=field, name="Tên đang áp dụng", complete=True
    )
    before = database_state()

    path = write_json(
        tmp_path / "bad.json",
        [
            row("1.000001", name="Tên mới"),  # a valid update…
            row("1.000009", field_code="LINH_VUC_MOI"),  # …a valid new row with a new field…
            row("1.000010", processing_time_value="abc"),  # …and one bad row
        ],
        fields=[*FIELDS, {"code": "LINH_VUC_MOI", "name": "Lĩnh vực mới"}],
    )
    message, lines = refused(path)

    assert lines == ["row 3 (1.000010), processing_time_value: expected a number, got 'abc'"]
    assert "nothing was imported" in message
    assert database_state() == before
    existing.refresh_from_db()
    assert existing.name == "Tên đang áp dụng"


def test_the_importer_raises_catalogue_invalid_with_structured_errors(tmp_path):
    path = write_json(
        tmp_path / "bad.json",
        [row("1.000001", level="huyen"), row("1.000002", components=[{"name": "X", "copies": -1}])],
    )
    with pytest.raises(CatalogueInvalid) as info:
        import_catalogue(path)

    assert [(e.row, e.code, e.field) for e in info.value.errors] == [
        (1, "1.000001", "level"),
        (2, "1.000002", "components[0].copies"),
    ]
    assert str(info.value) == "2 error(s) in the catalogue file"
    assert Procedure.objects.count() == 0


def test_bad_field_list_in_the_file_is_reported(tmp_path):
    path = write_json(
        tmp_path / "bad.json",
        [row("1.000001", field_code="ho tich")],
        fields=[{"code": "ho tich", "name": "Hộ tịch"}, {"code": "DAT_DAI", "name": ""}],
    )
    message, lines = refused(path)

    assert lines == [
        "row 1 (1.000001), field_code: unknown field 'ho tich'",
        "row 1, fields.code: bad field code 'ho tich'",
        "row 2, fields.name: is required",
    ]
    assert message.startswith("3 error(s) found")
    assert Field.objects.count() == 0


CSV_HEADER = ["code", "name", "field_code", "field_name", "level", "service_level"]
CSV_HEADER += ["processing_time_value", "components"]


def test_csv_with_invalid_json_in_a_list_column_is_refused(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        CSV_HEADER,
        [
            ["1.000001", "Khai sinh", "HO_TICH", "Hộ tịch", "commune", "full", "3", "[]"],
            ["1.000002", "Kết hôn", "HO_TICH", "Hộ tịch", "commune", "full", "3", "[{name: 1}"],
        ],
    )
    message, lines = refused(path)

    assert len(lines) == 1
    assert lines[0].startswith("row 2, components: invalid JSON list: ")
    assert message == f"1 error(s) found in {path}; nothing was imported."
    assert Procedure.objects.count() == 0
    assert Field.objects.count() == 0


def test_csv_row_with_more_values_than_columns_is_refused(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        CSV_HEADER,
        [
            ["1.000001", "Khai sinh", "HO_TICH", "Hộ tịch", "commune", "full", "3", "[]"],
            ["1.000002", "Kết hôn", "HO_TICH", "Hộ tịch", "commune", "full", "3", "[]", "thừa"],
            ["1.000003", "Nhận con nuôi", "HO_TICH", "Hộ tịch", "xa", "full", "-2", ""],
        ],
    )
    message, lines = refused(path)

    assert lines == [
        "row 2, row: more values than columns",
        "row 3 (1.000003), level: must be one of province, commune; got 'xa'",
        "row 3 (1.000003), processing_time_value: must not be negative, got -2",
    ]
    assert message.startswith("3 error(s) found")
    assert Procedure.objects.count() == 0


def test_csv_unknown_column_is_reported_on_every_row(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [*CSV_HEADER, "ghi_chu"],
        [
            ["1.000001", "Khai sinh", "HO_TICH", "Hộ tịch", "commune", "full", "3", "[]", ""],
            ["1.000002", "Kết hôn", "HO_TICH", "Hộ tịch", "commune", "full", "3", "[]", "x"],
        ],
    )
    _, lines = refused(path)

    assert lines == [
        "row 1 (1.000001), ghi_chu: unknown column",
        "row 2 (1.000002), ghi_chu: unknown column",
    ]
    assert Procedure.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param(
            "c.json", "code,name\n1.000001,Khai sinh\n", "Invalid JSON at line 1", id="not-json"
        ),
        pytest.param(
            "c.json",
            json.dumps({"format": "other-catalogue", "procedures": []}),
            "Not an onecua catalogue (format 'other-catalogue')",
            id="wrong-format",
        ),
        pytest.param(
            "c.json",
            json.dumps({"format": "onecua-catalogue", "version": 2, "procedures": []}),
            "Unsupported catalogue version 2",
            id="wrong-version",
        ),
        pytest.param(
            "c.json",
            json.dumps({"format": "onecua-catalogue", "procedures": {"1.000001": {}}}),
            "'procedures' must be a list",
            id="procedures-not-a-list",
        ),
        pytest.param("c.xlsx", "", "Unknown catalogue format 'xlsx': use .json or .csv", id="xlsx"),
        pytest.param("c.csv", "", "The CSV file has no header line", id="empty-csv"),
    ],
)
def test_unreadable_file_is_refused(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    message, lines = refused(path)

    assert message.startswith(expected)
    assert lines == []
    assert Procedure.objects.count() == 0


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "khong-co.json"
    message, _ = refused(path)
    assert message == f"No such file: {path}"


def test_explicit_format_overrides_the_extension(tmp_path):
    path = write_json(tmp_path / "catalogue.txt", [row("1.000001")])
    run_import(path, "--format", "json")
    assert Procedure.objects.filter(code="1.000001").exists()


def test_a_bare_list_of_rows_is_accepted(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(
        json.dumps([row("1.000001", field_name="Hộ tịch")], ensure_ascii=False), encoding="utf-8"
    )
    out, _ = run_import(path)
    assert "1 created" in out
    assert Field.objects.get(code="HO_TICH").name == "Hộ tịch"


def test_reimporting_a_csv_export_of_an_unchanged_catalogue_changes_nothing(tmp_path):
    run_import(write_json(tmp_path / "c.json", [row("1.000001"), row("1.000002")]))
    exported = tmp_path / "export.csv"
    call_command("export_catalogue", format="csv", output=str(exported), stdout=io.StringIO())
    before = database_state()

    out, _ = run_import(exported)

    assert "0 created, 0 updated, 2 unchanged" in out
    assert database_state() == before


def test_blank_csv_cells_in_optional_columns_take_the_defaults(tmp_path):
    optional = ["processing_time_unit", "fee_mode", "supplement_rule"]
    optional += ["supplement_window_days", "status", "agency_kind"]
    common = ["HO_TICH", "Hộ tịch", "commune", "full", "3", "[]"]
    filled = ["working_hours", "free", "shift", "10", "published", "commune_service_centre"]
    path = write_csv(
        tmp_path / "blanks.csv",
        [*CSV_HEADER, *optional],
        [
            ["1.000001", "Khai sinh", *common, *filled],
            ["1.000002", "Kết hôn", *common, *[""] * len(filled)],
        ],
    )
    run_import(path)

    blank = Procedure.objects.get(code="1.000002")
    assert blank.processing_time_unit == "working_days"
    assert blank.fee_mode == "unknown"
    assert blank.supplement_rule == "restart"
    assert blank.supplement_window_days == 15
    assert blank.status == ProcedureStatus.PUBLISHED
    assert blank.agency_kind == "commune_committee"


def test_a_row_changed_from_draft_to_published_is_published(tmp_path):
    run_import(write_json(tmp_path / "draft.json", [row("1.000001", status="draft")]))
    assert Procedure.objects.get(code="1.000001").status == ProcedureStatus.DRAFT

    out, _ = run_import(write_json(tmp_path / "published.json", [row("1.000001")]))

    assert "1 updated" in out
    proc = Procedure.objects.get(code="1.000001")
    assert proc.status == ProcedureStatus.PUBLISHED
    assert proc.valid_from is not None
