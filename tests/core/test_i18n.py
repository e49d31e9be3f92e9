"""The English catalogue: Accept-Language switches the API's strings; the .po is complete."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from procedures.models import Level, ServiceLevel

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PROBLEM = "application/problem+json"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (\".*)$")


def parse_po(path: Path) -> list[dict]:
    """A tiny .po reader: one dict per entry (msgctxt, msgid, msgid_plural, msgstr / msgstr[n],
    flags); the header and obsolete (#~) entries are skipped."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        opens = line.startswith(("#,", "msgctxt ", "msgid "))
        if opens and any(k.startswith("msgstr") for k in entry):
            entries.append(entry)  # a flag, msgctxt or msgid after a msgstr opens a new entry
            entry, key = {"flags": set()}, None
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            key = match[1]
            entry[key] = ast.literal_eval(match[2])
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        else:
            raise AssertionError(f"unexpected line in {path.name}: {raw!r}")
    if any(k.startswith("msgstr") for k in entry):
        entries.append(entry)
    return [e for e in entries if e["msgid"] != ""]


def translations(entry: dict) -> list[str]:
    return [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]


def label(entry: dict) -> str:
    return f"{entry['msgctxt']}|{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


@pytest.fixture(scope="module")
def po_entries():
    entries = parse_po(PO)
    assert entries, f"{PO} has no entries"
    return entries


@pytest.mark.django_db
def test_stats_answers_in_english(api):
    response = api.get("/api/v1/procedures/stats/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert response.json()["total"] == 0


@pytest.mark.django_db
def test_problem_title_is_english_with_accept_language_en(api):
    response = api.get("/api/v1/procedures/9.999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response["Content-Language"] == "en"
    assert response.json()["title"] == "Not found"


@pytest.mark.django_db
def test_problem_title_is_vietnamese_by_default(api):
    response = api.get("/api/v1/procedures/9.999999/")
    assert response.status_code == 404
    assert response["Content-Language"] == "vi"
    assert response.json()["title"] == "Không tìm thấy"


@pytest.mark.django_db
def test_invalid_data_detail_is_english(api):
    response = api.get("/api/v1/procedures/", {"level": "nowhere"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Bad request"
    assert body["detail"] == "Invalid data."


def test_choice_labels_translate():
    with translation.override("en"):
        assert str(ServiceLevel.FULL.label) == "Full-process online"
        assert str(ServiceLevel.PARTIAL.label) == "Partial online"
        assert str(ServiceLevel.OFFLINE.label) == "Not online"
        assert str(Level.PROVINCE.label) == "Province level"
    with translation.override("vi"):
        assert str(ServiceLevel.FULL.label) == "Toàn trình"


def test_every_msgid_has_an_english_msgstr(po_entries):
    missing = [label(e) for e in po_entries if not all(s.strip() for s in translations(e))]
    assert not missing, "untranslated msgids in locale/en/LC_MESSAGES/django.po:\n" + "\n".join(
        missing
    )


def test_no_fuzzy_entries(po_entries):
    fuzzy = [label(e) for e in po_entries if "fuzzy" in e["flags"]]
    assert not fuzzy, "fuzzy entries (Django ignores them) — review and drop the flag:\n" + (
        "\n".join(fuzzy)
    )


def test_placeholders_are_kept(po_entries):
    wrong = [
        label(e)
        for e in po_entries
        for s in translations(e)
        if set(PLACEHOLDER.findall(e["msgid"])) != set(PLACEHOLDER.findall(s))
    ]
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def compiled(mo: gettext.GNUTranslations, entry: dict) -> list[str]:
    ctxt, msgid = entry.get("msgctxt"), entry["msgid"]
    if "msgid_plural" not in entry:
        return [mo.pgettext(ctxt, msgid) if ctxt is not None else mo.gettext(msgid)]
    plural = entry["msgid_plural"]
    # English plural forms: index 0 for n == 1, index 1 otherwise.
    if ctxt is not None:
        return [mo.npgettext(ctxt, msgid, plural, n) for n in (1, 2)]
    return [mo.ngettext(msgid, plural, n) for n in (1, 2)]


def test_compiled_catalogue_matches_the_po(po_entries):
    # The .mo is committed; a .po edited without `compilemessages` would silently not apply.
    assert MO.exists(), "run: python manage.py compilemessages -l en --ignore=.venv"
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = [label(e) for e in po_entries if compiled(mo, e) != translations(e)]
    assert not stale, (
        "django.mo is out of date; run: python manage.py compilemessages -l en --ignore=.venv\n"
        + "\n".join(stale)
    )
