"""JSON request bodies with bounded nesting.

Python's json module recurses once per level of `[` or `{`: a 2 kB body of a thousand `[`
exhausts the interpreter's recursion limit and, unguarded, answers 500. No request of this API
nests deeper than a handful of levels, so a body nested deeper than ONECUA_JSON_MAX_DEPTH is
refused (400 `too_deeply_nested`) before it is decoded. `loads()` is the same guard for plain
Django views that read JSON themselves (the mock portal).
"""

from __future__ import annotations

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# A JSON string (escapes included; unterminated, it runs to the end of the text), or a bracket
# that opens or closes a level. A string match never fails once begun, so the scan is linear
# whatever the text (a pattern that must find the closing quote retries from every quote of an
# unterminated string: quadratic).
_TOKEN = re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[\[\]{}]', re.DOTALL)


class TooDeeplyNested(ValueError):
    """The text nests arrays/objects deeper than allowed (a ValueError, as json's own)."""

    def __init__(self, limit: int):
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def check_depth(text: str, limit: int | None = None) -> None:
    """Raise TooDeeplyNested when `text` opens more than `limit` levels at once.

    Linear in the text: one scan over strings and brackets, where a bracket inside a string
    does not count. Malformed text is left for the decoder to refuse.
    """
    limit = settings.ONECUA_JSON_MAX_DEPTH if limit is None else limit
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _TOKEN.finditer(text):
        lexeme = match.group()
        if lexeme[0] == '"':
            continue
        if lexeme in "[{":
            depth += 1
            if depth > limit:
                raise TooDeeplyNested(limit)
        else:
            depth -= 1


def loads(text: str | bytes, **kwargs):
    """json.loads() that refuses text nested deeper than ONECUA_JSON_MAX_DEPTH."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    limit = settings.ONECUA_JSON_MAX_DEPTH
    check_depth(text, limit)
    try:
        return json.loads(text, **kwargs)
    except RecursionError:  # a limit set above what the interpreter can decode
        raise TooDeeplyNested(limit) from None


def too_deeply_nested(limit: int) -> ParseError:
    return ParseError(
        _("Dữ liệu JSON lồng nhau quá sâu (tối đa %(n)s cấp).") % {"n": limit},
        code="too_deeply_nested",
    )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with bounded nesting (the default parser of the API: settings)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})  # text charsets only
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = strict_constant if self.strict else None
            return loads(text, parse_constant=parse_constant)
        except TooDeeplyNested as exc:
            raise too_deeply_nested(exc.limit) from None
        except ValueError as exc:
            # As DRF's own parser (UnicodeDecodeError is a ValueError too).
            raise ParseError(f"JSON parse error - {exc}") from None
