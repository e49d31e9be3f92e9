"""Pure normalisation helpers for building the procedure catalogue.

Stdlib only: this module is imported by ``scripts/build_catalogue.py``, which must run
without Django. Every function here is deterministic and side-effect free.
"""

from __future__ import annotations

import hashlib
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable

# --------------------------------------------------------------------------------------
# Generic text helpers
# --------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """NFC-normalise, collapse whitespace and strip. ``None`` becomes ``""``."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return _WS_RE.sub(" ", text).strip()


def truncate(text: str, limit: int = 1000) -> str:
    """Cut ``text`` to ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def fold(text: str) -> str:
    """Lower-case ASCII fold of Vietnamese text (đ -> d, diacritics removed)."""
    text = clean_text(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def stable_hash(text: str) -> int:
    """A process-independent hash (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


# --------------------------------------------------------------------------------------
# Processing time
# --------------------------------------------------------------------------------------

UNIT_WORKING_DAYS = "working_days"
UNIT_DAYS = "days"
UNIT_WORKING_HOURS = "working_hours"
#: Months stay months: a period in months ends on the corresponding day of its last month
#: (Civil Code 2015 art. 148(3)), which 30 x N days is not (core.calendar).
UNIT_MONTHS = "months"

#: Bare numbers (no unit) above this are treated as garbage (e.g. "1100", "120,000").
MAX_PLAUSIBLE_BARE_DAYS = 365

_NUM = r"(\d+(?:[.,]\d+)?)"
_UNIT_WORDS = (
    # (regex, unit, multiplier) -- longest first
    (r"ngày\s+làm\s+việc", UNIT_WORKING_DAYS, 1),
    (r"giờ\s+làm\s+việc", UNIT_WORKING_HOURS, 1),
    (r"ngày", UNIT_DAYS, 1),
    (r"giờ", UNIT_WORKING_HOURS, 1),
    (r"tháng", UNIT_MONTHS, 1),
)
_UNIT_RE = re.compile(
    _NUM + r"\s*(?:\([^)]*\)\s*)?(" + "|".join(u[0] for u in _UNIT_WORDS) + r")(?!\w)",
    re.IGNORECASE,
)
_BARE_SEGMENT_RE = re.compile(r"^(\d+(?:[.,]\d+)?)(?:\s*-\s*(\d+))?\s*(?:\([^)]*\))?$")
_TIME_OF_DAY_RE = re.compile(r"sau\s+\d+\s*giờ|trước\s+\d+\s*giờ|\d+\s*giờ\s+\d+", re.IGNORECASE)

# Approximate calendar-day equivalent used only to compare alternatives (never to convert).
_CALENDAR_FACTOR = {
    UNIT_WORKING_DAYS: 7 / 5,
    UNIT_DAYS: 1.0,
    UNIT_WORKING_HOURS: 7 / 40,
    UNIT_MONTHS: 30.0,
}


def _to_number(raw: str) -> float:
    """'05' -> 5, '0.5' -> 0.5, '120,000' -> 120 (a decimal comma, not thousands)."""
    raw = raw.replace(",", ".")
    return float(raw)


def _int_if_whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def calendar_equivalent(value: float, unit: str) -> float:
    return value * _CALENDAR_FACTOR[unit]


def parse_processing_time(raw: object) -> tuple[int | float, str] | None:
    """Parse a raw time limit into ``(value, unit)`` or ``None`` if it has no usable limit.

    Rules (see docs/catalogue.md):
    * ``"5 Ngày làm việc"`` -> (5, working_days); ``"30 Ngày"`` -> (30, days);
      ``"1 Giờ"`` -> (1, working_hours); ``"12 Tháng"`` -> (12, months).
    * a bare number (``"1"``, ``"120,000"``) is working days; above 365 it is garbage.
    * several alternatives (per channel ``"... (Trực tuyến); ... (Trực tiếp)"`` or per case in
      free text) -> the longest one, compared in calendar-day equivalents.
    * "ngay trong ngày ..." (same day, or next working day if received late) -> 1 working day;
      "ngay sau khi nhận đủ hồ sơ" (immediately) -> 0 working hours.
    * "Không quy định", event-based limits ("trước khi tàu rời cảng") -> ``None``.
    """
    text = clean_text(raw)
    if not text:
        return None
    low = text.lower()
    if "ngay trong ngày" in low:
        return (1, UNIT_WORKING_DAYS)
    if low.startswith("ngay sau khi") or low.startswith("ngay khi"):
        return (0, UNIT_WORKING_HOURS)

    candidates: list[tuple[float, str]] = []
    segments = [s.strip() for s in text.split(";")] if ";" in text else [text]
    for seg in segments:
        bare = _BARE_SEGMENT_RE.match(seg)
        if bare:
            value = _to_number(bare.group(2) or bare.group(1))
            if value <= MAX_PLAUSIBLE_BARE_DAYS:
                candidates.append((value, UNIT_WORKING_DAYS))
            continue
        scrubbed = _TIME_OF_DAY_RE.sub(" ", seg)
        for match in _UNIT_RE.finditer(scrubbed):
            value = _to_number(match.group(1))
            word = match.group(2).lower()
            for pattern, unit, mult in _UNIT_WORDS:
                if re.fullmatch(pattern, word, re.IGNORECASE):
                    candidates.append((value * mult, unit))
                    break
    if not candidates:
        return None
    value, unit = max(candidates, key=lambda c: (calendar_equivalent(c[0], c[1]), c[1]))
    return (_int_if_whole(value), unit)


# --------------------------------------------------------------------------------------
# Fees
# --------------------------------------------------------------------------------------

FEE_FREE = "free"
FEE_FIXED = "fixed"
FEE_REGULATION = "regulation"
FEE_UNKNOWN = "unknown"

_AMOUNT_HEAD_RE = re.compile(
    r"^(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(VNĐ|Việt Nam Đồng|Đồng|đồng|USD)", re.IGNORECASE
)
_PHI_LINE_RE = re.compile(
    r"(Lệ phí|Phí)\s*:\s*(Không|[\d.,]+)\s*Đồng(?:\s*\(([^)]*)\))?", re.IGNORECASE
)
_NOTE_AMOUNT_RE = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:đồng|đ\b|vnđ|VNĐ)", re.IGNORECASE)
_REGULATION_HINTS = (
    "hội đồng nhân dân",
    "hđnd",
    "ủy ban nhân dân cấp tỉnh quy định",
    "ủy ban nhân dân tỉnh quy định",
    "thông tư",
    "nghị quyết",
    "theo quy định của luật phí",
    "theo quy định của pháp luật về phí",
    "biểu phí",
    "biểu mức thu",
    "mức thu",
    "theo phí, lệ phí quy định",
    "thực hiện theo",
    "áp dụng mức thu",
    "quy định tại",
)
_FREE_NOTE_HINTS = (
    "không có",
    "không quy định",
    "không thu",
    "miễn lệ phí",
    "miễn phí",
    "không được quy định",
    "không",
)


def _parse_amount(raw: str) -> int:
    digits = re.sub(r"[.,]", "", raw)
    return int(digits)


def _kind_for(text: str) -> str:
    return "le_phi" if "lệ phí" in text.lower() else "phi"


def _leading_note(seg: str) -> str:
    """The balanced parenthesised note right after a fee head, e.g. ``Miễn phí(...)``."""
    if not seg.startswith("("):
        return ""
    depth = 0
    for i, ch in enumerate(seg):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return seg[1:i]
    return seg[1:]


def _strip_channel_suffix(seg: str) -> str:
    return re.sub(r"\s*\((?:Trực tuyến|Trực tiếp|Dịch vụ bưu chính)(?:,[^)]*)?\)\s*$", "", seg)


def parse_fee(raw: object) -> tuple[str, list[dict]]:
    """Parse raw fee text into ``(fee_mode, fees)``.

    ``fees`` is a list of ``{"name", "amount", "kind"}``; ``amount`` is an int in VND or ``None``
    (foreign currency or implausible values). The raw text often carries leaked text from other
    portal columns (time limits, submission methods) after the fee; only the head and its
    parenthesised note are interpreted.
    """
    text = clean_text(raw)
    if not text:
        return (FEE_UNKNOWN, [])
    fees: list[dict] = []
    modes: list[str] = []
    for part in text.split(" | "):
        seg = _strip_channel_suffix(part.strip())
        low = seg.lower()
        phi_lines = list(_PHI_LINE_RE.finditer(seg))
        if phi_lines:
            for m in phi_lines:
                label, amount_raw, note = m.group(1), m.group(2), clean_text(m.group(3))
                kind = _kind_for(label)
                if amount_raw.lower() == "không" or _parse_amount(amount_raw) == 0:
                    modes.append(FEE_FREE)
                    continue
                name = note or ("Lệ phí" if kind == "le_phi" else "Phí")
                fees.append(
                    {"name": truncate(name, 300), "amount": _parse_amount(amount_raw), "kind": kind}
                )
                modes.append(FEE_FIXED)
            continue
        head = _AMOUNT_HEAD_RE.match(seg)
        if head:
            amount = _parse_amount(head.group(1))
            currency = head.group(2)
            note = clean_text(_leading_note(seg[head.end() :]))
            kind = _kind_for(note)
            if currency.upper() == "USD":
                name = f"{note or 'Phí'} ({head.group(1)} USD)"
                fees.append({"name": truncate(name, 300), "amount": None, "kind": kind})
                modes.append(FEE_FIXED)
                continue
            if amount < 1000:
                # "20 VNĐ(20.000 đồng/lần.)": the head lost its thousands; trust the note.
                note_amounts = [_parse_amount(a) for a in _NOTE_AMOUNT_RE.findall(note)]
                note_amounts = [a for a in note_amounts if a >= 1000]
                amount = note_amounts[0] if note_amounts else None
            if amount == 0:
                modes.append(FEE_FREE)
                continue
            name = note or ("Lệ phí" if kind == "le_phi" else "Phí")
            fees.append({"name": truncate(name, 300), "amount": amount, "kind": kind})
            modes.append(FEE_FIXED if amount is not None else FEE_UNKNOWN)
            continue
        if low.startswith("vnđ"):
            note = clean_text(_leading_note(seg[3:]))
            amounts = [_parse_amount(a) for a in _NOTE_AMOUNT_RE.findall(note)]
            amounts = [a for a in amounts if a >= 1000]
            if amounts:
                fees.append(
                    {"name": truncate(note, 300), "amount": amounts[0], "kind": _kind_for(note)}
                )
                modes.append(FEE_FIXED)
            elif note:
                modes.append(FEE_REGULATION)
            else:
                modes.append(FEE_UNKNOWN)
            continue
        if low.startswith("miễn phí"):
            note = clean_text(_leading_note(seg[len("miễn phí") :])).lower()
            if (
                note
                and any(h in note for h in _REGULATION_HINTS)
                and not note.startswith(("không", "- không", "miễn"))
            ):
                modes.append(FEE_REGULATION)
            else:
                modes.append(FEE_FREE)
            continue
        if low in {"không", "không có", "không thu", "không quy định", "không có quy định", "0"}:
            modes.append(FEE_FREE)
            continue
        if any(h in low for h in _REGULATION_HINTS) or "theo quy định" in low:
            modes.append(FEE_REGULATION)
            continue
        modes.append(FEE_UNKNOWN)

    # de-duplicate lines repeated per channel, keep first-seen order
    seen: set[tuple] = set()
    unique: list[dict] = []
    for fee in fees:
        key = (fee["name"], fee["amount"], fee["kind"])
        if key not in seen:
            seen.add(key)
            unique.append(fee)
    if unique and any(f["amount"] is not None or "USD" in f["name"] for f in unique):
        return (FEE_FIXED, unique)
    if FEE_REGULATION in modes:
        return (FEE_REGULATION, [])
    if FEE_FREE in modes:
        return (FEE_FREE, [])
    return (FEE_UNKNOWN, [])


# --------------------------------------------------------------------------------------
# Level
# --------------------------------------------------------------------------------------

LEVEL_PROVINCE = "province"
LEVEL_COMMUNE = "commune"


def level_flags(raw: object) -> tuple[bool, bool]:
    """``(has_province, has_commune)`` from a raw level such as ``"Cấp bộ, Cấp tỉnh"``."""
    low = clean_text(raw).lower()
    return ("tỉnh" in low, "xã" in low)


def is_level_tagged(raw: object) -> bool:
    prov, comm = level_flags(raw)
    return prov or comm


def parse_level(raw: object, agency: object = None, name: object = None) -> str:
    """Map the raw level (plus agency/name hints) to ``province`` or ``commune``.

    Only-commune -> commune; only-province -> province. Both or neither: an agency that names
    the commune (``xã``) but no province body (``tỉnh``/``Sở``) -> commune; a name saying
    ``cấp xã`` -> commune; otherwise province (the province is the default owner).
    """
    prov, comm = level_flags(raw)
    if comm and not prov:
        return LEVEL_COMMUNE
    if prov and not comm:
        return LEVEL_PROVINCE
    ag = clean_text(agency).lower()
    provincial_body = "tỉnh" in ag or re.search(r"(?:^|[,;(]\s*)sở\s", ag) is not None
    if "xã" in ag and not provincial_body:
        return LEVEL_COMMUNE
    nm = clean_text(name).lower()
    if not prov and ("cấp xã" in nm or "ủy ban nhân dân xã" in nm):
        return LEVEL_COMMUNE
    return LEVEL_PROVINCE


# --------------------------------------------------------------------------------------
# Agency kind
# --------------------------------------------------------------------------------------

_VERTICAL_HINTS = (
    "hải quan",
    "thuế",
    "kho bạc",
    "bảo hiểm xã hội",
    "ngân hàng nhà nước",
    "công an",
    "biên phòng",
    "quân sự",
    "thống kê",
    "thi hành án",
    "cảng vụ",
    "tòa án",
    "xuất nhập cảnh",
    "cảnh sát",
)
_LOCAL_BODY_RE = re.compile(
    r"ủy ban nhân dân|uỷ ban nhân dân|ubnd|chủ tịch|(?:^|[,;(]\s*)sở\s", re.IGNORECASE
)


def agency_kind(level: str, agency: object, vertical_sector: object = None) -> str:
    """Classify the implementing agency.

    Vertical (centrally run) services -- customs, tax, treasury, social insurance, State Bank,
    police, border guard, military, statistics, civil judgment enforcement, port authorities and
    central departments (agency starting ``Cục ...``) -- are ``vertical_central`` whatever the
    level, unless a local body (people's committee, its chairman, a ``Sở``) is also named. With
    no agency text, the portal's ``vertical_sector`` flag decides. Otherwise a ``Trung tâm phục
    vụ hành chính công`` / ``Bộ phận một cửa`` is a service centre, and the rest is the
    provincial department or the commune people's committee.
    """
    ag = clean_text(agency).lower()
    local_body = _LOCAL_BODY_RE.search(ag) is not None
    vertical = any(h in ag for h in _VERTICAL_HINTS) or ag.startswith("cục ")
    if (vertical and not local_body) or (not ag and vertical_sector is True):
        return "vertical_central"
    centre = "trung tâm phục vụ hành chính công" in ag or "một cửa" in ag
    if level == LEVEL_COMMUNE:
        return "commune_service_centre" if centre else "commune_committee"
    return "provincial_service_centre" if centre else "provincial_department"


# --------------------------------------------------------------------------------------
# Fields (lĩnh vực)
# --------------------------------------------------------------------------------------

CATCH_ALL_FIELD = "Khác"

#: Obvious duplicates / abbreviations, keyed by the folded spelling.
FIELD_ALIASES = {
    "khcn": "Khoa học và công nghệ",
    "khoa hoc cong nghe": "Khoa học và công nghệ",
    "khoa hoc va cong nghe": "Khoa học và công nghệ",
    "ptth& ttdt": "Phát thanh, truyền hình và thông tin điện tử",
    "ptth & ttdt": "Phát thanh, truyền hình và thông tin điện tử",
    "pttt ttdt": "Phát thanh, truyền hình và thông tin điện tử",
    "xb, i &ph": "Xuất bản, in và phát hành",
    "tdtt": "Thể dục, thể thao",
    "hang hai va duong thuy": "Hàng hải và đường thủy nội địa",
    "giao duc va dao tao trong he thong giao duc quoc dan": (
        "Giáo dục và Đào tạo thuộc hệ thống giáo dục quốc dân"
    ),
    "to chuc cai nghien ma tuy va quan ly sau cai nghien": (
        "Tổ chức cai nghiện ma túy và quản lý sau cai nghiện"
    ),
    "hoat dong khac": CATCH_ALL_FIELD,
    "linh vuc khac": CATCH_ALL_FIELD,
    "khac": CATCH_ALL_FIELD,
    "thu tuc dang ky thay doi nguoi dai dien cua nhom sinh hoat ton giao tap trung cua nguoi "
    "nuoc ngoai cu tru hop phap tai viet nam": "Tín ngưỡng, tôn giáo",
    "thu tuc de nghi thay doi tru so cua to chuc ton giao, to chuc ton giao truc thuoc": (
        "Tín ngưỡng, tôn giáo"
    ),
    "chuyen doi cong ty nha nuoc duoc thanh lap va hoat dong theo luat doanh nghiep nha nuoc "
    "thanh cong ty trach nhiem huu han mot thanh vien to chuc va hoat dong theo quy dinh tai "
    "luat doanh nghiep": "Thành lập và sắp xếp lại doanh nghiệp do Nhà nước nắm giữ 100 phần "
    "trăm vốn điều lệ",
}

_FIELD_SUFFIX_RE = re.compile(r"\s*\((?:Bộ Xây dựng|Bộ xây dựng)\)\s*$")


def field_key(raw: object) -> str | None:
    """Merge key for a raw field name, or ``None`` if the value is junk (not a field).

    Case, whitespace, tone-mark placement (``hoá``/``hóa``), dashes and the ``(Bộ Xây dựng)``
    suffix are ignored; aliases map abbreviations and obvious duplicates together.
    """
    text = clean_text(raw)
    if not text:
        return None
    text = _FIELD_SUFFIX_RE.sub("", text)
    key = fold(text)
    key = re.sub(r"\s*[–—-]\s*", " ", key)
    key = _WS_RE.sub(" ", key).strip(" .")
    if key in FIELD_ALIASES:
        return fold(FIELD_ALIASES[key])
    # headings / page furniture that leaked into the field column
    if (
        len(key) > 100
        or key.startswith(("cong hoa xa hoi", "noi dung sua doi", "b. thu tuc", "a. thu tuc"))
        or re.match(r"^[a-z]\. ", key)
    ):
        return None
    return key


def field_display_name(raw: object) -> str | None:
    """Cleaned display spelling of a single raw field value (no merging)."""
    text = clean_text(raw)
    if not text:
        return None
    text = _FIELD_SUFFIX_RE.sub("", text)
    key = field_key(text)
    if key is None:
        return None
    alias = FIELD_ALIASES.get(_WS_RE.sub(" ", re.sub(r"\s*[–—-]\s*", " ", fold(text))).strip(" ."))
    if alias:
        return alias
    text = re.sub(r"\s*[–—]\s*", " - ", text).strip(" .")
    return text[:1].upper() + text[1:]


def choose_field_names(raw_values: Iterable[str]) -> dict[str, str]:
    """Map merge key -> canonical display name (the most frequent clean spelling, ties by
    Unicode order)."""
    by_key: dict[str, Counter] = {}
    for raw in raw_values:
        key = field_key(raw)
        if key is None:
            continue
        by_key.setdefault(key, Counter())[field_display_name(raw)] += 1
    names = {}
    for key, counter in by_key.items():
        names[key] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return names


def slug_code(name: str, max_len: int = 64) -> str:
    """Uppercase ASCII slug: ``"Hộ tịch"`` -> ``"HO_TICH"``."""
    slug = re.sub(r"[^A-Z0-9]+", "_", fold(name).upper()).strip("_")
    if not slug:
        slug = "FIELD"
    if len(slug) > max_len:
        slug = slug[:max_len].rstrip("_")
    return slug


def unique_codes(names: Iterable[str], max_len: int = 64) -> dict[str, str]:
    """Assign unique slugs to names (sorted input order decides who gets the plain slug)."""
    codes: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(set(names), key=lambda n: (fold(n), n)):
        base = slug_code(name, max_len)
        code, n = base, 2
        while code in used:
            suffix = f"_{n}"
            code = base[: max_len - len(suffix)].rstrip("_") + suffix
            n += 1
        used.add(code)
        codes[name] = code
    return codes


#: Fallback field inference for records without a field: (keyword in folded name/agency, field).
FIELD_KEYWORDS = (
    ("ho tich", "Hộ tịch"),
    ("khai sinh", "Hộ tịch"),
    ("ket hon", "Hộ tịch"),
    ("khai tu", "Hộ tịch"),
    ("chung thuc", "Chứng thực"),
    ("nuoi con nuoi", "Nuôi con nuôi"),
    ("dat dai", "Đất đai"),
    ("quyen su dung dat", "Đất đai"),
    ("giay phep xay dung", "Hoạt động xây dựng"),
    ("nguoi co cong", "Người có công"),
    ("liet si", "Người có công"),
    ("bao tro xa hoi", "Bảo trợ xã hội"),
    ("tro giup xa hoi", "Bảo trợ xã hội"),
    ("giao duc mam non", "Giáo dục mầm non"),
    ("mam non", "Giáo dục mầm non"),
    ("tieu hoc", "Giáo dục tiểu học"),
    ("trung hoc", "Giáo dục trung học"),
    ("giao duc nghe nghiep", "Giáo dục nghề nghiệp"),
    ("khen thuong", "Thi đua khen thưởng"),
    ("thiet bi y te", "Thiết bị y tế"),
    ("trien lam", "Mỹ thuật, nhiếp ảnh và triển lãm"),
    ("my thuat", "Mỹ thuật, nhiếp ảnh và triển lãm"),
    ("nhiep anh", "Mỹ thuật, nhiếp ảnh và triển lãm"),
    ("xuat khau", "Xuất nhập khẩu"),
    ("nhap khau", "Xuất nhập khẩu"),
    ("van phong dai dien", "Thương mại quốc tế"),
    ("thuong nhan nuoc ngoai", "Thương mại quốc tế"),
    ("nan nhan", "Bảo trợ xã hội"),
    ("ton giao", "Tín ngưỡng, tôn giáo"),
    ("tin nguong", "Tín ngưỡng, tôn giáo"),
    ("kham benh", "Khám bệnh, chữa bệnh"),
    ("duoc", "Dược phẩm"),
    ("thu vien", "Thư viện"),
    ("di san", "Di sản văn hóa"),
    ("du lich", "Du lịch"),
    ("the duc", "Thể dục, thể thao"),
    ("the thao", "Thể dục, thể thao"),
    ("bieu dien", "Nghệ thuật biểu diễn"),
    ("quang cao", "Quảng cáo"),
    ("lao dong", "Lao động"),
    ("viec lam", "Việc làm"),
    ("dien luc", "Điện"),
    ("hoat dong dien", "Điện"),
    ("xang dau", "Kinh doanh khí, xăng dầu"),
    ("thuong mai", "Thương mại"),
    ("hoa chat", "Hóa chất"),
    ("an toan thuc pham", "An toàn thực phẩm"),
    ("do luong", "Tiêu chuẩn đo lường chất lượng"),
    ("nang luong nguyen tu", "Năng lượng nguyên tử, an toàn bức xạ hạt nhân"),
    ("buc xa", "Năng lượng nguyên tử, an toàn bức xạ hạt nhân"),
    ("so huu tri tue", "Sở hữu trí tuệ"),
    ("khoa hoc", "Khoa học và công nghệ"),
    ("bao chi", "Báo chí"),
    ("xuat ban", "Xuất bản, in và phát hành"),
    ("buu chinh", "Bưu chính"),
    ("vien thong", "Viễn thông và internet"),
    ("to chuc phi chinh phu", "Tổ chức phi chính phủ"),
    ("hoi,", "Tổ chức hội"),
    ("quy xa hoi", "Tổ chức hội"),
    ("thanh nien", "Thanh niên"),
    ("cong chuc", "Công chức, viên chức"),
    ("vien chuc", "Công chức, viên chức"),
    ("van thu", "Văn thư lưu trữ"),
    ("luu tru", "Văn thư lưu trữ"),
    ("dan toc", "Công tác dân tộc"),
)

#: Ministry heading (published_in) -> field, last resort before the catch-all.
MINISTRY_FIELDS = (
    ("cong thuong", "Công thương"),
    ("khoa hoc va cong nghe", "Khoa học và công nghệ"),
    ("tu phap", "Tư pháp"),
    ("van hoa, the thao va du lich", "Văn hóa, thể thao và du lịch"),
    ("xay dung", "Xây dựng"),
    ("giao duc va dao tao", "Giáo dục và đào tạo"),
    ("y te", "Y tế"),
    ("cong an", "An ninh, trật tự"),
    ("nong nghiep va moi truong", "Nông nghiệp và môi trường"),
    ("tai chinh", "Tài chính"),
    ("ngan hang nha nuoc", "Tiền tệ, ngân hàng"),
    ("ngoai giao", "Ngoại giao"),
    ("noi vu", "Nội vụ"),
    ("quoc phong", "Quốc phòng"),
)


def infer_field_name(name: object, agency: object, ministry_heading: object = None) -> str:
    """Field for a record whose ``field`` is missing or junk: keyword match on the procedure
    name, then on the agency, then the ministry heading of a decision listing it, else the
    catch-all ``Khác``."""
    for source in (name, agency):
        folded = fold(clean_text(source))
        if not folded:
            continue
        for kw, field in FIELD_KEYWORDS:
            if kw in folded:
                return field
    heading = fold(clean_text(ministry_heading))
    if heading:
        for kw, field in MINISTRY_FIELDS:
            if kw in heading:
                return field
    return CATCH_ALL_FIELD


# --------------------------------------------------------------------------------------
# Components (thành phần hồ sơ)
# --------------------------------------------------------------------------------------

_ENUM_RE = re.compile(
    r"^(?:[-+*•–]+\s*|\(?[a-zđ]\)\s*|\(?[ivx]+\)\s*|\(?\d+(?:\.\d+)*[.)]\s*)+", re.IGNORECASE
)
_GLUED_FORM_RE = re.compile(r"(?<=[^\sA-Z])(Mau\s?[\w.\-]*.*|Mẫu\s?số[\w.\-]*.*)$")
_FORM_RE = re.compile(
    r"(M[ẫa]u\s+(?:số\s+|so\s+)?[A-Za-z0-9Đđ][A-Za-z0-9Đđ/._\-]*"
    r"(?:\s+(?:Phụ lục|Phu luc|phụ lục)\s*[IVXLC\d]+[A-Za-z0-9/._\-]*)?)"
)
_COUNT_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5}
_ORIG_RE = re.compile(r"(\d+)\s*(?:\(\w+\)\s*)?bản\s+chính", re.IGNORECASE)
_COPY_RE = re.compile(r"(\d+)\s*(?:\(\w+\)\s*)?bản\s+(?:sao|chụp|photo)", re.IGNORECASE)
_OPTIONAL_HINTS = ("nếu có", "(nếu ")
_OPTIONAL_PREFIXES = ("trường hợp", "đối với trường hợp")
_REUSABLE_HINTS = (
    "căn cước",
    "cơ sở dữ liệu quốc gia về dân cư",
    "giấy khai sinh",
    "hộ chiếu",
    "giấy chứng nhận đăng ký doanh nghiệp",
    "giấy chứng nhận quyền sử dụng đất",
    "định danh điện tử",
)
_NOT_COMPONENT_RE = re.compile(
    r"^(số lượng hồ sơ|số lượng\s*:|thành phần hồ sơ\s*:?$|hồ sơ gồm\s*:?$"
    r"|\d+\s*\(?\w*\)?\s*bộ\.?$)",
    re.IGNORECASE,
)


def is_component_text(raw: object) -> bool:
    """False for meta lines such as ``"Số lượng hồ sơ: 01 (một) bộ."``."""
    text = clean_text(raw)
    return bool(text) and not _NOT_COMPONENT_RE.match(text)


def parse_component(raw: object, limit: int = 1000) -> dict:
    """Parse one raw component line into the catalogue shape.

    * leading enumerators (``1.``, ``a)``, ``-``) and trailing ``;``/``.`` are removed;
    * a form glued on by the portal (``...trả lạiMau 36 - Phu luc II_...``) or a
      ``theo Mẫu số 01 ...`` reference becomes ``form_template``;
    * ``01 bản chính`` / ``02 bản sao|chụp`` set the counts; a line that only says ``bản sao`` /
      ``bản chụp`` means one copy and no original; otherwise one original;
    * ``(nếu có)`` / lines starting ``Trường hợp`` are optional (``mandatory`` False);
    * identity / civil-status / registration papers are ``reusable`` (digitised data).
    """
    text = clean_text(raw)
    form = ""
    glued = _GLUED_FORM_RE.search(text)
    if glued and len(glued.group(1)) < 120:
        form = glued.group(1).strip(" .;")
        if form == "Mau":  # the portal lost the file name; a form exists
            form = "Mẫu"
        text = text[: glued.start()].strip()
    if not form:
        m = _FORM_RE.search(text)
        if m:
            form = m.group(1).strip(" .;,")
    name = _ENUM_RE.sub("", text).strip(" ;.,:")
    if not name:
        name = text.strip(" ;.,:") or form
    low = text.lower()

    originals = sum(int(n) for n in _ORIG_RE.findall(text))
    copies = sum(int(n) for n in _COPY_RE.findall(text))
    if originals == 0 and copies == 0:
        if any(w in low for w in ("bản sao", "bản chụp", "bản photo")):
            copies = 1
        else:
            originals = 1
    name_low = name.lower().lstrip("( ")
    mandatory = not (
        any(h in low for h in _OPTIONAL_HINTS) or name_low.startswith(_OPTIONAL_PREFIXES)
    )
    reusable = any(h in low for h in _REUSABLE_HINTS)
    return {
        "name": truncate(name[:1].upper() + name[1:], limit),
        "originals": originals,
        "copies": copies,
        "form_template": truncate(form, 200),
        "mandatory": mandatory,
        "reusable": reusable,
    }


def parse_components(raw_list: object, limit: int = 1000) -> list[dict]:
    """Parse a raw component list, dropping meta lines and exact duplicate names."""
    if not isinstance(raw_list, list):
        return []
    out: list[dict] = []
    seen: set[str] = set()
    for raw in raw_list:
        if not isinstance(raw, str) or not is_component_text(raw):
            continue
        comp = parse_component(raw, limit)
        key = comp["name"].lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(comp)
    return out


DEFAULT_COMPONENTS = (
    {
        "name": "Đơn (tờ khai) đề nghị giải quyết thủ tục hành chính theo mẫu",
        "originals": 1,
        "copies": 0,
        "form_template": "",
        "mandatory": True,
        "reusable": False,
    },
    {
        "name": "Giấy tờ chứng minh đủ điều kiện theo quy định (nếu có)",
        "originals": 0,
        "copies": 1,
        "form_template": "",
        "mandatory": False,
        "reusable": False,
    },
)


def typical_components(component_lists: Iterable[list[dict]], max_items: int = 5) -> list[dict]:
    """The most common components of a field: names appearing in the most procedures (ties by
    name), as many as the median list length (1..``max_items``). Empty input -> defaults."""
    lists = [cl for cl in component_lists if cl]
    if not lists:
        return [dict(c) for c in DEFAULT_COMPONENTS]
    counts: Counter = Counter()
    first: dict[str, dict] = {}
    for cl in lists:
        for comp in cl:
            key = comp["name"].lower()
            counts[key] += 1
            first.setdefault(key, comp)
    n = int(statistics.median_low([len(cl) for cl in lists]))
    n = max(1, min(max_items, n))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [dict(first[key]) for key, _ in ranked]


def typical_time(times: Iterable[tuple[int | float, str]]) -> tuple[int | float, str] | None:
    """Median time of a field: the most common unit (ties by name), then the lower median of
    the values in that unit."""
    times = list(times)
    if not times:
        return None
    unit_counts = Counter(unit for _, unit in times)
    unit = sorted(unit_counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    values = sorted(v for v, u in times if u == unit)
    return (_int_if_whole(statistics.median_low(values)), unit)


# --------------------------------------------------------------------------------------
# Steps (quy trình nội bộ)
# --------------------------------------------------------------------------------------

# The values of procedures.vocabulary.StepRole (this module imports only the standard library;
# tests/procedures/test_build_catalogue.py checks that the two agree).
ROLES = ("receive", "specialist", "leader", "return")


def default_steps(level: str, value: int | float, unit: str) -> list[dict]:
    """Default internal process: receive -> specialist -> leader -> return, shares sum to 100.

    Short procedures (up to 1 working day, or counted in hours) give reception/return a bigger
    share; provincial procedures get two approval steps (division head, then director)."""
    short = unit == UNIT_WORKING_HOURS or (unit != UNIT_MONTHS and value <= 1)
    if level == LEVEL_PROVINCE and not short:
        steps = [
            ("Tiếp nhận hồ sơ", "receive", 5),
            ("Thẩm định, xử lý hồ sơ", "specialist", 65),
            ("Kiểm tra, trình ký (lãnh đạo phòng)", "leader", 10),
            ("Phê duyệt kết quả", "leader", 15),
            ("Trả kết quả", "return", 5),
        ]
    elif short:
        steps = [
            ("Tiếp nhận hồ sơ", "receive", 15),
            ("Thẩm định, xử lý hồ sơ", "specialist", 45),
            ("Phê duyệt kết quả", "leader", 25),
            ("Trả kết quả", "return", 15),
        ]
    else:
        steps = [
            ("Tiếp nhận hồ sơ", "receive", 10),
            ("Thẩm định, xử lý hồ sơ", "specialist", 60),
            ("Phê duyệt kết quả", "leader", 20),
            ("Trả kết quả", "return", 10),
        ]
    return [
        {"order": i, "name": name, "role": role, "share": share}
        for i, (name, role, share) in enumerate(steps, start=1)
    ]


# --------------------------------------------------------------------------------------
# Service level
# --------------------------------------------------------------------------------------

SL_FULL = "full"
SL_PARTIAL = "partial"
SL_OFFLINE = "offline"


def parse_service_level(raw: object) -> str | None:
    """``"Toàn trình (nêu trong cách thức thực hiện)"`` -> full; ``"Một phần"`` -> partial;
    ``"Không"``/``"Cung cấp thông tin"`` -> offline; anything else -> None."""
    low = fold(clean_text(raw))
    if not low:
        return None
    if low.startswith("toan trinh"):
        return SL_FULL
    if low.startswith("mot phan"):
        return SL_PARTIAL
    if "cung cap thong tin" in low or low in {"khong", "truc tiep"}:
        return SL_OFFLINE
    return None


def is_abolished_status(raw: object) -> bool:
    return fold(clean_text(raw)).startswith("bai bo")
