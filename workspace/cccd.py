"""The QR code on the back of the chip-based citizen identity card (thẻ Căn cước công dân gắn
chip, and the Căn cước card issued since 1 July 2024), read at the counter to pre-fill the
applicant (docs/workspace.md, "The CCCD QR code").

The code holds one line of fields separated by "|":

    personal ID | old ID | full name | date of birth | sex | address | issue date

e.g. ``025090001234|123456789|Nguyễn Văn An|15031990|Nam|Số 1 Hùng Vương, Việt Trì|10082021``:
the 12-digit personal identification number, the 9-digit number of the former ID card (or
empty), the name, the birth date as ddmmyyyy, "Nam"/"Nữ", the permanent residence, and the
card's issue date as ddmmyyyy. Newer cards may add fields after the seventh; they are ignored.

The personal identification number is checked as Decree 137/2015/ND-CP art. 7 (amended by
Decree 37/2021/ND-CP) and Circular 59/2021/TT-BCA art. 4 build it: three digits of the
province of birth registration, one digit of the sex and the century of birth, two digits of
the year of birth, six random digits — so the number must agree with the card's own birth date
and sex.

`parse(text)` reads the string (typed by a hand scanner into a field, or decoded from an image
by `read_image(file)` with zxing-cpp); every problem is a `CccdError` whose message is
Vietnamese, for the official to read — never an exception of another kind.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

# The provinces' codes of the personal identification number (Circular 59/2021/TT-BCA, annex:
# the 63 provinces as they were before the 2025 merger; a number keeps the code it was given).
PROVINCE_CODES = frozenset(
    {
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35,
        36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70,
        72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    }
)  # fmt: skip
MALE, FEMALE = "Nam", "Nữ"
# An image larger than this is refused before it is decoded (a phone photo is ~12 Mpx).
MAX_PIXELS = 40_000_000
MAX_TEXT = 1000


class CccdError(ValueError):
    """The QR code could not be read or is not a CCCD's: `str(error)` says why, in Vietnamese."""


@dataclass(frozen=True)
class CardData:
    personal_id: str
    old_id: str
    full_name: str
    birth_date: date
    sex: str  # "Nam" or "Nữ"
    address: str
    issued_on: date | None

    def applicant(self) -> dict:
        """The applicant's fields a counter intake takes from the card."""
        return {
            "personal_id": self.personal_id,
            "full_name": self.full_name,
            "address": self.address,
        }


def _date(value: str, label: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise CccdError(
            _("%(label)s trên mã QR không đúng dạng ngàyThángNăm (8 chữ số): “%(value)s”.")
            % {"label": label, "value": value[:20]}
        )
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise CccdError(
            _("%(label)s trên mã QR không phải một ngày có thật: “%(value)s”.")
            % {"label": label, "value": value}
        ) from None


def _sex(value: str) -> str:
    folded = value.strip().lower()
    if folded == "nam":
        return MALE
    if folded in ("nữ", "nu"):
        return FEMALE
    raise CccdError(
        _("Giới tính trên mã QR phải là “Nam” hoặc “Nữ”: “%(value)s”.") % {"value": value[:20]}
    )


def check_personal_id(number: str, birth_date: date | None = None, sex: str | None = None) -> None:
    """The 12 digits, the province code, and (when known) their agreement with the birth date
    and the sex (Circular 59/2021/TT-BCA art. 4)."""
    if len(number) != 12 or not number.isdigit():
        raise CccdError(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số (đọc được “%(value)s”).")
            % {"value": number[:20]}
        )
    if int(number[:3]) not in PROVINCE_CODES:
        raise CccdError(
            _("Số định danh cá nhân %(number)s có mã tỉnh “%(code)s” không tồn tại.")
            % {"number": number, "code": number[:3]}
        )
    if birth_date is None:
        return
    # The fourth digit: the century of birth (0-1: 20th, 2-3: 21st, …) and the sex (even: male).
    digit = int(number[3])
    expected_sex = MALE if digit % 2 == 0 else FEMALE
    year = 1900 + (digit // 2) * 100 + int(number[4:6])
    if year != birth_date.year or (sex is not None and sex != expected_sex):
        raise CccdError(
            _(
                "Số định danh cá nhân %(number)s không khớp với năm sinh %(year)s và giới tính "
                "%(sex)s trên thẻ: mã QR bị đọc sai, hãy quét lại."
            )
            % {"number": number, "year": birth_date.year, "sex": sex or ""}
        )


def parse(text: str) -> CardData:
    """The card's data from the QR code's text (see the module's docstring)."""
    text = (text or "").strip().strip("\x00")
    if not text:
        raise CccdError(_("Chưa có dữ liệu mã QR: hãy quét mã trên mặt sau thẻ căn cước."))
    if len(text) > MAX_TEXT:
        raise CccdError(_("Dữ liệu quá dài, không phải mã QR của thẻ căn cước."))
    fields = [field.strip() for field in text.split("|")]
    if len(fields) < 7:
        raise CccdError(
            _(
                "Không phải mã QR của thẻ căn cước: cần 7 trường cách nhau bởi dấu “|”, "
                "đọc được %(count)s."
            )
            % {"count": len(fields)}
        )
    number, old_id, name, born, sex, address, issued = fields[:7]
    if old_id and (not old_id.isdigit() or len(old_id) not in (9, 12)):
        raise CccdError(
            _("Số CMND cũ trên mã QR phải gồm 9 hoặc 12 chữ số: “%(value)s”.")
            % {"value": old_id[:20]}
        )
    if not name or any(ch.isdigit() for ch in name):
        raise CccdError(_("Họ tên trên mã QR không hợp lệ: “%(value)s”.") % {"value": name[:60]})
    birth_date = _date(born, _("Ngày sinh"))
    sex = _sex(sex)
    check_personal_id(number, birth_date, sex)
    issued_on = _date(issued, _("Ngày cấp")) if issued else None
    if issued_on is not None and issued_on < birth_date:
        raise CccdError(_("Ngày cấp thẻ trên mã QR trước ngày sinh: mã QR bị đọc sai."))
    return CardData(
        personal_id=number,
        old_id=old_id,
        full_name=" ".join(name.split()),
        birth_date=birth_date,
        sex=sex,
        address=" ".join(address.split()),
        issued_on=issued_on,
    )


def read_image(upload) -> CardData:
    """The card's data from a photo or scan of its QR code (a file or bytes): zxing-cpp
    decodes the QR codes it finds, and the first one that parses wins."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    data = upload if isinstance(upload, bytes | bytearray) else upload.read()
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise CccdError(_("Ảnh quá lớn; hãy chụp gần mã QR hơn."))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise CccdError(_("Tệp tải lên không phải ảnh đọc được (JPEG hoặc PNG).")) from None
    if image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    if not codes:
        raise CccdError(
            _("Không tìm thấy mã QR trong ảnh: chụp rõ, đủ sáng, mã QR nằm trọn trong khung.")
        )
    first_error = None
    for code in codes:
        try:
            return parse(code.text)
        except CccdError as error:
            first_error = first_error or error
    raise first_error
