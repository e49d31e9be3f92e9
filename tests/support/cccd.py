"""Test images of a CCCD's QR code, made with zxing-cpp's writer (the reader's own library)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

# A card of the cast's citizen (tests/support/cast.py CITIZEN_ID): born 1990 in Phú Thọ (025),
# male (fourth digit 0: the 20th century, even: male).
CARD = (
    "025090001234|132456789|Nguyễn Văn An|15031990|Nam|"
    "Số 1 đường Hùng Vương, phường Việt Trì, tỉnh Phú Thọ|10082021"
)


def qr_image(text: str = CARD, *, scale: int = 4, border: int = 40, fmt: str = "PNG") -> bytes:
    """A picture of the QR code with a white margin (as a photo of the card's back would be)."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    view = memoryview(zxingcpp.write_barcode_to_image(barcode, scale=scale))
    height, width = view.shape
    code = Image.frombytes("L", (width, height), view.tobytes())
    picture = Image.new("L", (width + 2 * border, height + 2 * border), 255)
    picture.paste(code, (border, border))
    out = io.BytesIO()
    picture.convert("RGB").save(out, fmt)
    return out.getvalue()
