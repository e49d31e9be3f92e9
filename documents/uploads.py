"""Checking an uploaded file by its content, not by its name or its Content-Type header
(docs/architecture.md, principle 6).

`check_upload` reads the file once: it measures it, hashes it (SHA-256), sniffs its type from
its first bytes (`filetype`), then looks deeper at what the allow-list admits (a PDF must end
like a PDF and carry no active content; an image must decode). Anything else is refused with a
problem+json: 413 too large, 415 not an allowed type, 400 empty.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status

from core.errors import DomainError

# Detected MIME type -> the extension files of that type are stored under.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
CHUNK = 1024 * 1024
# PDF names that run code or carry other files: refused in documents of record.
ACTIVE_PDF_CONTENT = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?=[\s/<>\[\]()%]|$)"
)
CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class FileTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "file_too_large"
    title = gettext_lazy("Tệp quá lớn")


class UnsupportedFileType(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_file_type"
    title = gettext_lazy("Kiểu tệp không được chấp nhận")


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # a safe display name, with the extension of the detected type
    content_type: str
    extension: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(settings.ONECUA_UPLOAD_MAX_BYTES)


def too_large(size: int | None = None) -> FileTooLarge:
    limit = max_bytes()
    return FileTooLarge(
        _("Tệp vượt quá dung lượng cho phép (tối đa %(limit)s MB).")
        % {"limit": f"{limit / 1024 / 1024:.0f}"},
        errors={"file": [_("Tệp quá lớn.")]},
        extra={"max_bytes": limit} | ({"size": size} if size is not None else {}),
    )


def _unsupported(detail: str) -> UnsupportedFileType:
    return UnsupportedFileType(
        detail,
        errors={"file": [_("Chỉ chấp nhận tệp PDF, JPEG hoặc PNG.")]},
        extra={"allowed_types": sorted(ALLOWED_TYPES)},
    )


def safe_name(raw: str, extension: str) -> str:
    """The user's file name, reduced to a harmless display name: no folders, no control or
    format characters, no leading dots, bounded length, and the extension of what the file
    really is."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(ch) in CONTROL else ch for ch in name)
    name = re.sub(r"\s+", " ", name).strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:120] or "tep"
    return f"{stem}.{extension}"


def _read(upload) -> tuple[bytes, int, str]:
    """The head of the file, its size and SHA-256; stops as soon as the limit is passed."""
    limit = max_bytes()
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    while True:
        chunk = upload.read(CHUNK)
        if not chunk:
            break
        if not head:
            head = chunk[:8192]
        size += len(chunk)
        if size > limit:
            raise too_large(size)
        digest.update(chunk)
    upload.seek(0)
    return head, size, digest.hexdigest()


def _tail(upload, size: int, length: int = 2048) -> bytes:
    upload.seek(max(0, size - length))
    data = upload.read(length)
    upload.seek(0)
    return data


def _check_pdf(upload, size: int) -> None:
    if b"%%EOF" not in _tail(upload, size):
        raise _unsupported(_("Tệp PDF bị hỏng hoặc không hoàn chỉnh."))
    upload.seek(0)
    carry = b""
    while True:
        chunk = upload.read(CHUNK)
        if not chunk:
            break
        if ACTIVE_PDF_CONTENT.search(carry + chunk):
            upload.seek(0)
            raise _unsupported(
                _("Tệp PDF chứa mã thực thi hoặc tệp đính kèm; không được chấp nhận.")
            )
        carry = chunk[-32:]
    upload.seek(0)


def _check_image(upload) -> None:
    from PIL import Image

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.verify()
    except Exception:  # any decoder failure, and decompression bombs
        raise _unsupported(_("Tệp ảnh bị hỏng hoặc không đọc được.")) from None
    finally:
        upload.seek(0)


def check_upload(upload, name: str | None = None) -> CheckedUpload:
    """Validate an uploaded file (a Django UploadedFile or any binary file object)."""
    head, size, sha256 = _read(upload)
    if size == 0:
        raise DomainError(
            _("Tệp rỗng (0 byte); vui lòng chọn lại tệp."),
            code="empty_file",
            errors={"file": [_("Tệp rỗng.")]},
        )
    kind = filetype.guess(head)
    detected = kind.mime if kind else None
    if detected not in ALLOWED_TYPES:
        raise _unsupported(
            _("Nội dung tệp không phải PDF, JPEG hoặc PNG (nhận diện: %(kind)s).")
            % {"kind": detected or _("không xác định")}
        )
    if detected == "application/pdf":
        _check_pdf(upload, size)
    else:
        _check_image(upload)
    extension = ALLOWED_TYPES[detected]
    return CheckedUpload(
        name=safe_name(name if name is not None else getattr(upload, "name", ""), extension),
        content_type=detected,
        extension=extension,
        size=size,
        sha256=sha256,
    )
