#!/usr/bin/env python3
"""Build Phú Thọ's procedure catalogue (procedures/data/catalogue.json) from the raw national
data (shared/data/procedures/procedures.jsonl).

Stdlib only and deterministic: two runs on the same input give byte-identical output.
See docs/catalogue.md for the rules.

Usage (from the repo root):
    python scripts/build_catalogue.py [--source ../shared/data/procedures/procedures.jsonl]
                                      [--out procedures/data/catalogue.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from procedures.catalogue import normalize as n  # noqa: E402

PROVINCE = "Phú Thọ"
PROVINCE_AGENCY_CODE = "H43"  # placeholder; the importer may rewrite it
TARGETS = {n.SL_FULL: 885, n.SL_PARTIAL: 1183, n.SL_OFFLINE: 67}
TOTAL = sum(TARGETS.values())  # 2135
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "procedures" / "procedures.jsonl"
DEFAULT_OUT = REPO_ROOT / "procedures" / "data" / "catalogue.json"
SOURCE_LABEL = "shared/data/procedures/procedures.jsonl"
TEXT_LIMIT = 1000
MAX_PUBLISHED_DECISIONS = 5

#: Words in a procedure name that suggest an on-site inspection / physical act (offline).
PHYSICAL_HINTS = (
    "kiểm tra thực tế",
    "kiểm tra thực địa",
    "sát hạch",
    "kiểm định",
    "giám định",
    "khám",
    "kiểm dịch",
    "thẩm định thực tế",
    "đăng kiểm",
    "tiếp công dân",
    "khiếu nại",
    "tố cáo",
    "hòa giải",
)
#: Results that must be handed over physically (cards, plates, stamps...) -> partial, not full.
PHYSICAL_RESULT_HINTS = ("thẻ", "biển số", "tem", "sổ", "con dấu", "bằng", "phù hiệu", "hộ chiếu")


# --------------------------------------------------------------------------------------
# Loading and selection
# --------------------------------------------------------------------------------------


def load_records(path: Path) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                records.append(json.loads(line))
    records.sort(key=lambda r: r["code"])
    return records


def published(rec: dict) -> list[dict]:
    return [p for p in rec.get("published_in") or [] if isinstance(p, dict)]


def province_entries(rec: dict, province: str = PROVINCE) -> list[dict]:
    return [p for p in published(rec) if n.clean_text(p.get("province")) == province]


def is_abolished(rec: dict) -> bool:
    return any(
        n.is_abolished_status(p.get("list_status") or p.get("status")) for p in published(rec)
    )


def is_internal(rec: dict) -> bool:
    return rec["code"].startswith("5.")


MINISTRY_NAME_HINTS = ("thẩm quyền của bộ", "cấp trung ương", "cấp bộ", "thẩm quyền bộ")


def is_ministry_only(rec: dict) -> bool:
    """The level says ministry/central only (no province or commune), or the name says the
    procedure belongs to a ministry ("... (thẩm quyền của Bộ ...)", "cấp trung ương")."""
    level = n.clean_text(rec.get("level")).lower()
    if level and not n.is_level_tagged(level):
        return True
    name = n.clean_text(rec.get("name")).lower()
    return any(h in name for h in MINISTRY_NAME_HINTS)


def detail_score(rec: dict) -> int:
    keys = ("field", "agency", "processing_time", "fee", "result", "decision", "service_level")
    score = sum(1 for k in keys if rec.get(k))
    score += 1 if rec.get("components") else 0
    score += 1 if published(rec) else 0
    return score


def pi_level_tagged(rec: dict) -> bool:
    return any(n.is_level_tagged(p.get("level")) for p in published(rec))


def completion_key(rec: dict) -> tuple:
    """Ranking of the records that complete the catalogue (smaller sorts first)."""
    return (
        0 if province_entries(rec) else 1,
        0 if pi_level_tagged(rec) else 1,
        1 if is_ministry_only(rec) else 0,
        0 if any(p.get("province") for p in published(rec)) else 1,
        -detail_score(rec),
        rec["code"],
    )


def select(records: list[dict]) -> list[tuple[dict, str]]:
    """Pick exactly TOTAL records: level-tagged first, then completed ones."""
    tagged, rest, reserve = [], [], []
    for rec in records:
        if is_internal(rec) or is_abolished(rec):
            reserve.append(rec)
        elif n.is_level_tagged(rec.get("level")):
            tagged.append(rec)
        else:
            rest.append(rec)
    tagged.sort(key=completion_key)
    chosen = [(r, "level_tagged") for r in tagged[:TOTAL]]
    rest.sort(key=completion_key)
    need = TOTAL - len(chosen)
    chosen += [(r, "completed") for r in rest[:need]]
    if len(chosen) < TOTAL:  # only if the clean pool runs out
        reserve.sort(key=lambda r: (1 if is_internal(r) else 0, *completion_key(r)))
        chosen += [(r, "completed") for r in reserve[: TOTAL - len(chosen)]]
    if len(chosen) != TOTAL:
        raise SystemExit(f"source too small: {len(chosen)} < {TOTAL}")
    chosen.sort(key=lambda item: item[0]["code"])
    return chosen


# --------------------------------------------------------------------------------------
# Per-record normalisation
# --------------------------------------------------------------------------------------


def published_service_level(rec: dict) -> tuple[str | None, str | None]:
    """(level, source) from, in order: a Phú Thọ decision, the record's own ``service_level``,
    the majority of other decisions (ties -> partial)."""
    for p in province_entries(rec):
        sl = n.parse_service_level(p.get("service_level"))
        if sl:
            return sl, "province"
    sl = n.parse_service_level(rec.get("service_level"))
    if sl:
        return sl, "record"
    votes = Counter()
    for p in published(rec):
        if n.is_abolished_status(p.get("list_status")):
            continue
        level = n.parse_service_level(p.get("service_level"))
        if level:
            votes[level] += 1
    if votes:
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0] != n.SL_PARTIAL, kv[0]))
        return ranked[0][0], "other_province"
    return None, None


def legal_basis(rec: dict) -> str:
    parts: list[str] = []
    decision = n.clean_text(rec.get("decision"))
    body = n.clean_text(rec.get("issuing_body"))
    if decision:
        text = decision if decision.lower().startswith("quyết định") else f"Quyết định {decision}"
        parts.append(f"{text} ({body})" if body else text)
    elif body:
        parts.append(body)
    entries = sorted(
        published(rec),
        key=lambda p: (
            n.clean_text(p.get("province")) != PROVINCE,
            n.clean_text(p.get("province")),
            n.clean_text(p.get("decision")),
        ),
    )
    seen = set()
    for p in entries:
        dec = n.clean_text(p.get("decision"))
        if not dec or dec in seen or len(seen) >= MAX_PUBLISHED_DECISIONS:
            continue
        seen.add(dec)
        where = n.clean_text(p.get("province")) or n.clean_text(p.get("ministry_heading")).title()
        date = n.clean_text(p.get("decision_date"))
        text = f"Quyết định {dec}" + (f" ngày {date}" if date else "")
        status = n.clean_text(p.get("list_status"))
        extra = ", ".join(x for x in (where, status) if x)
        parts.append(f"{text} ({extra})" if extra else text)
    return n.truncate("; ".join(parts), TEXT_LIMIT)


def level_raw(rec: dict) -> str | None:
    raw = n.clean_text(rec.get("level"))
    if raw:
        return raw
    for p in province_entries(rec) + published(rec):
        if n.clean_text(p.get("level")):
            return n.clean_text(p.get("level"))
    return None


def ministry_heading(rec: dict) -> str:
    for p in published(rec):
        if p.get("ministry_heading"):
            return n.clean_text(p["ministry_heading"])
    return ""


def base_entry(rec: dict, origin: str, field_names: dict[str, str]) -> dict:
    code = rec["code"]
    name = n.clean_text(rec.get("name"))
    agency = n.clean_text(rec.get("agency"))
    lvl_raw = level_raw(rec)
    level = n.parse_level(lvl_raw, agency, name)

    field_raw = rec.get("field")
    key = n.field_key(field_raw)
    if key is not None:
        field_name, field_inferred = field_names[key], False
    else:
        field_name = n.infer_field_name(name, agency, ministry_heading(rec))
        field_name = field_names.get(n.field_key(field_name), field_name)
        field_inferred = True

    parsed_time = n.parse_processing_time(rec.get("processing_time"))
    fee_mode, fees = n.parse_fee(rec.get("fee"))
    components = n.parse_components(rec.get("components"), TEXT_LIMIT)
    sl, sl_source = published_service_level(rec)
    channels = rec.get("submission_channels") or []
    return {
        "code": code,
        "local_code": f"{code}.000.00.00.{PROVINCE_AGENCY_CODE}",
        "name": n.truncate(name, TEXT_LIMIT),
        "field_name": field_name,
        "field_inferred": field_inferred,
        "level": level,
        "level_raw": lvl_raw,
        "agency_kind": n.agency_kind(level, agency, rec.get("vertical_sector")),
        "agency_name": n.truncate(agency, TEXT_LIMIT),
        "published_level": sl,
        "published_level_source": sl_source,
        "parsed_time": parsed_time,
        "processing_time_raw": rec.get("processing_time"),
        "fee_mode": fee_mode,
        "fees": fees,
        "fee_raw": rec.get("fee"),
        "result_name": n.truncate(n.clean_text(rec.get("result")), TEXT_LIMIT),
        "legal_basis": legal_basis(rec),
        "components": components,
        "origin": origin,
        "field_raw": rec.get("field"),
        "online_channel": (
            None if not channels else any("trực tuyến" in c.lower() for c in channels)
        ),
    }


# --------------------------------------------------------------------------------------
# Inference (field typical values) and service level assignment
# --------------------------------------------------------------------------------------


def fill_inferred(entries: list[dict], records: list[dict], field_names: dict[str, str]) -> None:
    by_field_time: dict[str, list] = {}
    by_field_comps: dict[str, list] = {}
    for e in entries:
        if e["parsed_time"] is not None:
            by_field_time.setdefault(e["field_name"], []).append(e["parsed_time"])
        if e["components"]:
            by_field_comps.setdefault(e["field_name"], []).append(e["components"])
    # the whole national data set as a fallback for fields thin in the catalogue
    all_time: dict[str, list] = {}
    for rec in records:
        key = n.field_key(rec.get("field"))
        t = n.parse_processing_time(rec.get("processing_time"))
        if key is not None and t is not None:
            all_time.setdefault(field_names[key], []).append(t)
    global_time = n.typical_time([e["parsed_time"] for e in entries if e["parsed_time"]])
    typical_comps = {f: n.typical_components(lists) for f, lists in sorted(by_field_comps.items())}

    for e in entries:
        t = e.pop("parsed_time")
        e["processing_time_inferred"] = t is None
        if t is None:
            t = (
                n.typical_time(by_field_time.get(e["field_name"], []))
                or n.typical_time(all_time.get(e["field_name"], []))
                or global_time
            )
        e["processing_time_value"], e["processing_time_unit"] = t
        e["components_inferred"] = not e["components"]
        if not e["components"]:
            e["components"] = [
                dict(c) for c in typical_comps.get(e["field_name"], n.DEFAULT_COMPONENTS)
            ]
        e["steps"] = n.default_steps(
            e["level"], e["processing_time_value"], e["processing_time_unit"]
        )
        e["steps_inferred"] = True  # the source has no internal processes


def offline_key(e: dict) -> tuple:
    name = e["name"].lower()
    return (
        0 if e["online_channel"] is False else 1,
        0 if e["processing_time_inferred"] else 1,
        0 if any(h in name for h in PHYSICAL_HINTS) else 1,
        n.stable_hash("offline:" + e["code"]),
    )


def full_key(e: dict) -> tuple:
    result = e["result_name"].lower()
    score = 0
    score += 1 if e["online_channel"] else 0
    score += 1 if e["fee_mode"] == n.FEE_FREE else 0
    score += 0 if any(h in result.split() for h in PHYSICAL_RESULT_HINTS) else 1
    score += 1 if e["level"] == n.LEVEL_COMMUNE else 0
    return (-score, n.stable_hash("full:" + e["code"]))


def assign_service_levels(entries: list[dict]) -> dict:
    """Keep published levels, assign the rest so the split is exactly TARGETS."""
    stats = {"published": Counter(), "assigned": Counter(), "downgraded": 0}
    for e in entries:
        e["service_level"] = e["published_level"]
        e["service_level_assigned"] = e["service_level"] is None

    # Published levels above a target: demote the weakest sources (other province, then the
    # record's own, never Phú Thọ's) in hash order to the next level down.
    source_rank = {"other_province": 0, "record": 1, "province": 2}
    for level, lower in ((n.SL_FULL, n.SL_PARTIAL), (n.SL_PARTIAL, n.SL_FULL)):
        pub = [e for e in entries if e["service_level"] == level]
        excess = len(pub) - TARGETS[level]
        if excess > 0:
            pub.sort(
                key=lambda e: (
                    source_rank[e["published_level_source"]],
                    n.stable_hash("demote:" + e["code"]),
                )
            )
            for e in pub[:excess]:
                e["service_level"] = lower
                e["service_level_assigned"] = True
                stats["downgraded"] += 1

    open_ = [e for e in entries if e["service_level"] is None]
    counts = Counter(e["service_level"] for e in entries if e["service_level"])
    need_off = TARGETS[n.SL_OFFLINE] - counts[n.SL_OFFLINE]
    open_.sort(key=offline_key)
    for e in open_[:need_off]:
        e["service_level"] = n.SL_OFFLINE
    rest = sorted(open_[need_off:], key=full_key)
    need_full = TARGETS[n.SL_FULL] - counts[n.SL_FULL]
    for i, e in enumerate(rest):
        e["service_level"] = n.SL_FULL if i < need_full else n.SL_PARTIAL
    for e in entries:
        bucket = "assigned" if e["service_level_assigned"] else "published"
        stats[bucket][e["service_level"]] += 1
    return stats


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------

OUTPUT_KEYS = (
    "code", "local_code", "name", "field_code", "field_inferred", "level", "level_raw",
    "agency_kind", "agency_name", "service_level", "service_level_assigned",
    "processing_time_value", "processing_time_unit", "processing_time_raw",
    "processing_time_inferred", "fee_mode", "fees", "fee_raw", "result_name", "legal_basis",
    "supplement_rule", "supplement_window_days", "components", "components_inferred", "steps",
    "steps_inferred", "origin", "field_raw",
)  # fmt: skip


def build(source: Path) -> dict:
    records = load_records(source)
    field_names = n.choose_field_names(r.get("field") for r in records if r.get("field"))
    chosen = select(records)
    entries = [base_entry(rec, origin, field_names) for rec, origin in chosen]
    fill_inferred(entries, records, field_names)
    sl_stats = assign_service_levels(entries)

    field_codes = n.unique_codes(e["field_name"] for e in entries)
    procedures = []
    for e in entries:
        e["field_code"] = field_codes[e["field_name"]]
        e["supplement_rule"] = "restart"
        e["supplement_window_days"] = 15
        procedures.append({k: e[k] for k in OUTPUT_KEYS})
    fields = sorted(
        ({"code": code, "name": name} for name, code in field_codes.items()),
        key=lambda f: f["code"],
    )

    by_sl = Counter(p["service_level"] for p in procedures)
    counts = {
        "total": len(procedures),
        "full": by_sl[n.SL_FULL],
        "partial": by_sl[n.SL_PARTIAL],
        "offline": by_sl[n.SL_OFFLINE],
        "province": sum(p["level"] == n.LEVEL_PROVINCE for p in procedures),
        "commune": sum(p["level"] == n.LEVEL_COMMUNE for p in procedures),
        "origin_level_tagged": sum(p["origin"] == "level_tagged" for p in procedures),
        "origin_completed": sum(p["origin"] == "completed" for p in procedures),
        "service_level_published": dict(sorted(sl_stats["published"].items())),
        "service_level_assigned": dict(sorted(sl_stats["assigned"].items())),
        "service_level_demoted": sl_stats["downgraded"],
        "processing_time_inferred": sum(p["processing_time_inferred"] for p in procedures),
        "components_inferred": sum(p["components_inferred"] for p in procedures),
        "steps_inferred": sum(p["steps_inferred"] for p in procedures),
        "field_inferred": sum(p["field_inferred"] for p in procedures),
        "fields": len(fields),
        "fee_mode": dict(sorted(Counter(p["fee_mode"] for p in procedures).items())),
        "agency_kind": dict(sorted(Counter(p["agency_kind"] for p in procedures).items())),
        "source_records": len(records),
    }
    return {
        "format": "onecua-catalogue",
        "version": 1,
        "province": PROVINCE,
        "generated_by": "scripts/build_catalogue.py",
        "source": SOURCE_LABEL,
        "counts": counts,
        "fields": fields,
        "procedures": procedures,
    }


def write(catalogue: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(
            catalogue, fh, ensure_ascii=False, indent=None, sort_keys=False, separators=(",", ":")
        )
        fh.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"source not found: {args.source}", file=sys.stderr)
        return 2
    catalogue = build(args.source)
    write(catalogue, args.out)
    c = catalogue["counts"]
    print(
        f"wrote {args.out}: {c['total']} procedures "
        f"({c['full']} full / {c['partial']} partial / {c['offline']} offline), "
        f"{c['fields']} fields"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
