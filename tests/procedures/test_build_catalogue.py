"""Tests of scripts/build_catalogue.py and of the committed procedures/data/catalogue.json.

The committed-file checks need nothing outside the repo; the rebuild checks need the raw data at
``<repo>/../shared/data/procedures/procedures.jsonl`` and are skipped without it.
"""

import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "procedures" / "data" / "catalogue.json"
SCRIPT = REPO / "scripts" / "build_catalogue.py"
SOURCE = REPO.parent / "shared" / "data" / "procedures" / "procedures.jsonl"

needs_source = pytest.mark.skipif(not SOURCE.exists(), reason="raw source data not available")

CODE_RE = re.compile(r"^\d\.\d{6}$")
FIELD_CODE_RE = re.compile(r"^[A-Z0-9_]{1,64}$")
UNITS = {"working_days", "days", "working_hours", "months"}
FEE_MODES = {"free", "fixed", "regulation", "unknown"}
AGENCY_KINDS = {
    "provincial_department",
    "provincial_service_centre",
    "commune_committee",
    "commune_service_centre",
    "vertical_central",
}
PROCEDURE_KEYS = {
    "code", "local_code", "name", "field_code", "field_inferred", "level", "level_raw",
    "agency_kind", "agency_name", "service_level", "service_level_assigned",
    "processing_time_value", "processing_time_unit", "processing_time_raw",
    "processing_time_inferred", "fee_mode", "fees", "fee_raw", "result_name", "legal_basis",
    "supplement_rule", "supplement_window_days", "components", "components_inferred", "steps",
    "steps_inferred", "origin", "field_raw",
}  # fmt: skip


def load_script():
    spec = importlib.util.spec_from_file_location("build_catalogue", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed():
    with CATALOGUE.open(encoding="utf-8") as fh:
        return json.load(fh)


def check_catalogue(cat):
    assert cat["format"] == "onecua-catalogue"
    assert cat["version"] == 1
    assert cat["province"] == "Phú Thọ"
    assert cat["generated_by"] == "scripts/build_catalogue.py"
    assert cat["source"] == "shared/data/procedures/procedures.jsonl"
    counts = cat["counts"]
    assert (counts["total"], counts["full"], counts["partial"], counts["offline"]) == (
        2135,
        885,
        1183,
        67,
    )

    procs = cat["procedures"]
    assert len(procs) == 2135
    codes = [p["code"] for p in procs]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    split = Counter(p["service_level"] for p in procs)
    assert split == {"full": 885, "partial": 1183, "offline": 67}

    field_codes = [f["code"] for f in cat["fields"]]
    assert len(set(field_codes)) == len(field_codes)
    assert all(FIELD_CODE_RE.match(c) for c in field_codes)
    assert len({f["name"] for f in cat["fields"]}) == len(cat["fields"])
    assert counts["fields"] == len(cat["fields"])
    used = {p["field_code"] for p in procs}
    assert used == set(field_codes)  # every field listed is used, every used one listed

    for p in procs:
        assert set(p) == PROCEDURE_KEYS, p["code"]
        assert CODE_RE.match(p["code"]), p["code"]
        assert not p["code"].startswith("5."), "internal codes are excluded"
        assert p["local_code"] == f"{p['code']}.000.00.00.H43"
        assert p["name"]
        assert p["level"] in {"province", "commune"}
        assert p["agency_kind"] in AGENCY_KINDS
        assert isinstance(p["agency_name"], str)
        assert isinstance(p["service_level_assigned"], bool)
        assert isinstance(p["processing_time_value"], (int, float))
        assert p["processing_time_value"] >= 0
        assert p["processing_time_unit"] in UNITS
        if p["processing_time_inferred"] is False:
            assert p["processing_time_raw"]
        assert p["fee_mode"] in FEE_MODES
        for fee in p["fees"]:
            assert set(fee) == {"name", "amount", "kind"}
            assert fee["kind"] in {"phi", "le_phi"}
            assert fee["amount"] is None or (isinstance(fee["amount"], int) and fee["amount"] > 0)
        if p["fee_mode"] != "fixed":
            assert p["fees"] == []
        assert isinstance(p["result_name"], str)
        assert isinstance(p["legal_basis"], str)
        assert p["supplement_rule"] == "restart"
        assert p["supplement_window_days"] == 15
        assert p["components"], p["code"]
        for comp in p["components"]:
            assert set(comp) == {
                "name", "originals", "copies", "form_template", "mandatory", "reusable"
            }  # fmt: skip
            assert comp["name"] and len(comp["name"]) <= 1000
            assert comp["originals"] >= 0 and comp["copies"] >= 0
            assert comp["originals"] + comp["copies"] >= 1
        steps = p["steps"]
        assert [s["order"] for s in steps] == list(range(1, len(steps) + 1))
        assert sum(s["share"] for s in steps) == 100
        assert {s["role"] for s in steps} <= {"receive", "specialist", "leader", "return"}
        assert steps[0]["role"] == "receive" and steps[-1]["role"] == "return"
        assert p["origin"] in {"level_tagged", "completed"}
        for flag in ("processing_time_inferred", "components_inferred", "steps_inferred",
                     "field_inferred"):  # fmt: skip
            assert isinstance(p[flag], bool)

    # counts block agrees with the records
    assert counts["origin_level_tagged"] == sum(p["origin"] == "level_tagged" for p in procs)
    assert counts["origin_completed"] == sum(p["origin"] == "completed" for p in procs)
    assert counts["processing_time_inferred"] == sum(p["processing_time_inferred"] for p in procs)
    assert counts["components_inferred"] == sum(p["components_inferred"] for p in procs)
    published = Counter(p["service_level"] for p in procs if not p["service_level_assigned"])
    assigned = Counter(p["service_level"] for p in procs if p["service_level_assigned"])
    assert published == counts["service_level_published"]
    assert assigned == counts["service_level_assigned"]
    assert counts["province"] + counts["commune"] == 2135


# ---------------------------------------------------------------- committed file (no ../shared)


def test_committed_catalogue_invariants(committed):
    check_catalogue(committed)


def test_committed_catalogue_exact_counts(committed):
    c = committed["counts"]
    assert c["origin_level_tagged"] == 1832
    assert c["origin_completed"] == 303
    assert c["service_level_published"] == {"full": 370, "partial": 72}
    assert c["service_level_assigned"] == {"full": 515, "offline": 67, "partial": 1111}
    assert c["service_level_demoted"] == 0
    assert c["source_records"] == 5162


def test_committed_catalogue_known_records(committed):
    by_code = {p["code"]: p for p in committed["procedures"]}
    # a Phú Thọ 1805/QĐ-UBND record keeps its published level and cites the decision
    p = by_code["1.014431"]
    assert p["service_level"] == "full" and p["service_level_assigned"] is False
    assert "1805/QĐ-UBND" in p["legal_basis"] and "Phú Thọ" in p["legal_basis"]
    assert p["origin"] == "level_tagged"
    # Phú Thọ abolished these (bãi bỏ) -> excluded
    for code in ("2.001525", "2.002278", "2.002709", "2.002710", "2.002722", "2.002723"):
        assert code not in by_code
    # customs tagged "Cấp xã" in the raw data: commune level, but a vertical agency
    p = by_code["1.000005"]
    assert p["level"] == "commune" and p["level_raw"] == "Cấp xã"
    assert p["agency_kind"] == "vertical_central"
    assert p["processing_time_raw"] == "120,000"
    # raw text is kept beside normalised values
    assert all(
        p["processing_time_raw"] is None or isinstance(p["processing_time_raw"], str)
        for p in committed["procedures"]
    )


def test_committed_catalogue_is_canonical_json(committed):
    """The file is exactly what the writer produces (so a rebuild gives no diff)."""
    build = load_script()
    out = CATALOGUE.read_bytes()
    import io

    buf = io.StringIO()
    json.dump(committed, buf, ensure_ascii=False, indent=None, sort_keys=False,
              separators=(",", ":"))  # fmt: skip
    assert out == (buf.getvalue() + "\n").encode("utf-8")
    assert build.TOTAL == 2135
    assert len(out) < 15 * 1024 * 1024


def test_normalize_module_is_stdlib_only():
    """The build must run without Django: normalize imports only the standard library."""
    src = (REPO / "procedures" / "catalogue" / "normalize.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:from|import)\s+([\w.]+)", src, flags=re.MULTILINE))
    allowed = {"__future__", "hashlib", "re", "statistics", "unicodedata", "collections",
               "collections.abc"}  # fmt: skip
    assert imported <= allowed
    assert (REPO / "procedures" / "catalogue" / "__init__.py").read_text().strip() == ""


def test_the_builders_step_roles_are_the_models():
    """One vocabulary: the stdlib-only builder spells the roles the model declares."""
    from procedures.catalogue import normalize
    from procedures.models import StepRole

    assert tuple(StepRole.values) == normalize.ROLES


# ---------------------------------------------------------------- rebuild from the raw data


@needs_source
def test_build_matches_committed_and_is_deterministic(tmp_path):
    out1 = tmp_path / "a" / "catalogue.json"
    out2 = tmp_path / "b" / "catalogue.json"
    for out in (out1, out2):
        result = subprocess.run(  # noqa: S603 - our own script, fixed argv
            [sys.executable, str(SCRIPT), "--source", str(SOURCE), "--out", str(out)],
            cwd=tmp_path,  # must not depend on the working directory
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "2135 procedures (885 full / 1183 partial / 67 offline)" in result.stdout
    assert out1.read_bytes() == out2.read_bytes()
    assert out1.read_bytes() == CATALOGUE.read_bytes(), "committed catalogue is stale: rebuild"
    check_catalogue(json.loads(out1.read_text(encoding="utf-8")))


@needs_source
def test_build_selection_rules():
    build = load_script()
    records = build.load_records(SOURCE)
    assert len(records) == 5162
    tagged = [r for r in records if build.n.is_level_tagged(r.get("level"))]
    assert len(tagged) == 1855
    cat = build.build(SOURCE)
    chosen = {p["code"] for p in cat["procedures"]}
    by_code = {r["code"]: r for r in records}
    # every clean level-tagged record is in; the excluded ones are internal or abolished
    for r in tagged:
        if r["code"] in chosen:
            continue
        assert build.is_internal(r) or build.is_abolished(r), r["code"]
    assert sum(1 for r in tagged if r["code"] not in chosen) == 1855 - 1832
    for code in chosen:
        r = by_code[code]
        assert not build.is_internal(r)
        assert not build.is_abolished(r)
    # the completed records outrank every clean untagged record left out
    completed = [by_code[p["code"]] for p in cat["procedures"] if p["origin"] == "completed"]
    left_out = [
        r
        for r in records
        if r["code"] not in chosen
        and not build.n.is_level_tagged(r.get("level"))
        and not build.is_internal(r)
        and not build.is_abolished(r)
    ]
    worst_in = max(build.completion_key(r) for r in completed)
    best_out = min(build.completion_key(r) for r in left_out)
    assert worst_in < best_out


@needs_source
def test_build_published_levels_are_kept():
    build = load_script()
    records = {r["code"]: r for r in build.load_records(SOURCE)}
    cat = build.build(SOURCE)
    for p in cat["procedures"]:
        level, _source = build.published_service_level(records[p["code"]])
        if level is not None and not p["service_level_assigned"]:
            assert p["service_level"] == level
        if level is None:
            assert p["service_level_assigned"] is True


def test_script_runs_without_django(tmp_path):
    """Importing the script pulls in no Django module (checked in a clean interpreter)."""
    code = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('b', {str(SCRIPT)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "assert not [k for k in sys.modules if k == 'django' or k.startswith('django.')]\n"
        "print('ok')\n"
    )
    result = subprocess.run(  # noqa: S603 - our own script, fixed argv
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_script_reports_missing_source(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own script, fixed argv
        [sys.executable, str(SCRIPT), "--source", str(tmp_path / "nope.jsonl"), "--out",
         str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "source not found" in result.stderr
    assert not (tmp_path / "out.json").exists()
