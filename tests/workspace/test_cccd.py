"""The CCCD's QR code (workspace/cccd.py): the string a hand scanner types or an image decodes,
parsed into the applicant's data; every bad input is a CccdError with a Vietnamese reason
(never another exception). The number's structure: Circular 59/2021/TT-BCA art. 4 (province of
birth registration, the century-and-sex digit, the year of birth)."""

from datetime import date

import pytest

from tests.support.cccd import CARD, qr_image
from workspace import cccd


def test_a_card_string_is_parsed():
    card = cccd.parse(CARD)
    assert card.personal_id == "025090001234"
    assert card.old_id == "132456789"
    assert card.full_name == "Nguyễn Văn An"
    assert card.birth_date == date(1990, 3, 15)
    assert card.sex == "Nam"
    assert card.address.startswith("Số 1 đường Hùng Vương")
    assert card.issued_on == date(2021, 8, 10)
    assert card.applicant() == {
        "personal_id": "025090001234",
        "full_name": "Nguyễn Văn An",
        "address": "Số 1 đường Hùng Vương, phường Việt Trì, tỉnh Phú Thọ",
    }


def test_no_old_id_a_woman_born_in_this_century_and_extra_fields():
    # 3: female, 21st century; 05: born 2005. Newer cards may carry more fields: ignored.
    card = cccd.parse("001305012345||Trần Thị  Bình|01012005|Nữ|Hà Nội|02022021|x|y\n")
    assert (card.personal_id, card.old_id, card.full_name, card.sex) == (
        "001305012345",
        "",
        "Trần Thị Bình",
        "Nữ",
    )
    assert card.birth_date == date(2005, 1, 1)


def test_an_image_of_the_code_is_read():
    card = cccd.read_image(qr_image())
    assert card.personal_id == "025090001234"
    assert card.full_name == "Nguyễn Văn An"


def test_a_jpeg_photo_is_read_too():
    assert cccd.read_image(qr_image(fmt="JPEG")).birth_date == date(1990, 3, 15)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Chưa có dữ liệu"),
        ("   ", "Chưa có dữ liệu"),
        ("https://example.vn/not-a-card", "cần 7 trường"),
        ("025090001234|Nguyễn Văn An|15031990", "cần 7 trường"),
        ("02509000123|132456789|Nguyễn Văn An|15031990|Nam|Phú Thọ|10082021", "12 chữ số"),
        ("02509000123X|132456789|Nguyễn Văn An|15031990|Nam|Phú Thọ|10082021", "12 chữ số"),
        # 003 is no province's code.
        ("003090001234|132456789|Nguyễn Văn An|15031990|Nam|Phú Thọ|10082021", "mã tỉnh"),
        # The number says born in '91, the card says 1990: a misread digit.
        ("025091001234|132456789|Nguyễn Văn An|15031990|Nam|Phú Thọ|10082021", "không khớp"),
        # The number says male, the card says female.
        ("025090001234|132456789|Nguyễn Thị An|15031990|Nữ|Phú Thọ|10082021", "không khớp"),
        ("025090001234|132456789|Nguyễn Văn An|31021990|Nam|Phú Thọ|10082021", "ngày có thật"),
        ("025090001234|132456789|Nguyễn Văn An|1990-03-15|Nam|Phú Thọ|10082021", "8 chữ số"),
        ("025090001234|132456789|Nguyễn Văn An|15031990|X|Phú Thọ|10082021", "Giới tính"),
        ("025090001234|12|Nguyễn Văn An|15031990|Nam|Phú Thọ|10082021", "CMND cũ"),
        ("025090001234|132456789||15031990|Nam|Phú Thọ|10082021", "Họ tên"),
        ("025090001234|132456789|Nguyễn Văn An|15031990|Nam|Phú Thọ|10081980", "trước ngày sinh"),
        ("x" * 2000, "quá dài"),
        ("\x00\x01|\x02|||||", ""),
    ],
)
def test_bad_strings_say_why(text, reason):
    with pytest.raises(cccd.CccdError) as error:
        cccd.parse(text)
    assert reason in str(error.value)


def test_an_image_without_a_code_a_non_image_and_another_code():
    blank = b""  # nothing at all
    with pytest.raises(cccd.CccdError, match="không phải ảnh"):
        cccd.read_image(blank)
    with pytest.raises(cccd.CccdError, match="không phải ảnh"):
        cccd.read_image(b"%PDF-1.4 not an image")
    from io import BytesIO

    from PIL import Image

    white = BytesIO()
    Image.new("RGB", (200, 200), "white").save(white, "PNG")
    with pytest.raises(cccd.CccdError, match="Không tìm thấy mã QR"):
        cccd.read_image(white.getvalue())
    with pytest.raises(cccd.CccdError, match="cần 7 trường"):
        cccd.read_image(qr_image("https://dichvucong.gov.vn"))


def test_a_file_object_is_read():
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("qr.png", qr_image(), content_type="image/png")
    assert cccd.read_image(upload).personal_id == "025090001234"
