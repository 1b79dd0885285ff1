"""Bytes to text: BOMs, UTF-16, legacy encodings, and files that are not text.

Excel writes a UTF-8 BOM, Windows tools write UTF-16 or cp1252, a crashed tool
leaves binary garbage under a ``.csv`` name. Text is decoded strictly as UTF-8
first; anything else is decoded with a named fallback and a note saying which
byte was not UTF-8, so a reader of the inventory can find it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# A UTF-16 byte-order mark that went through a Latin-1 -> UTF-8 round trip.
_MANGLED_UTF16_BOM = b"\xc3\xbf\xc3\xbe"
_CONTROL = bytes(sorted(set(range(0, 32)) - {9, 10, 12, 13, 27}))
_SNIFF_BYTES = 8192


class NotText(Exception):
    """The bytes are not text in any encoding we accept; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the encoding used, and a note when it was not plain UTF-8."""

    text: str
    encoding: str
    note: str | None = None


def decode_bytes(data: bytes) -> Decoded:
    """Decode ``data`` or raise ``NotText`` with a reason a person understands."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_bom(data[len(bom) :], encoding)
    _reject_binary(data)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02X} at offset {error.start}"
    encoding, text = _fallback(data)
    return Decoded(text, encoding, f"not valid UTF-8 ({where}); decoded as {encoding}")


def _decode_bom(body: bytes, encoding: str) -> Decoded:
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        raise NotText(
            f"starts with a {encoding} byte-order mark but is not {encoding} "
            f"(byte 0x{body[error.start]:02X} at offset {error.start})"
        ) from error
    note = None if encoding == "utf-8" else f"decoded as {encoding} (byte-order mark)"
    return Decoded(text, f"{encoding}-bom", note)


def _reject_binary(data: bytes) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        hint = (
            "; looks like UTF-16 text re-encoded as UTF-8"
            if data.startswith(_MANGLED_UTF16_BOM)
            else ""
        )
        raise NotText(f"binary (NUL byte at offset {nul}{hint})")
    head = data[:_SNIFF_BYTES]
    controls = len(head) - len(head.translate(None, _CONTROL))
    if head and controls / len(head) > 0.05:
        raise NotText(f"binary ({controls} control bytes in the first {len(head)})")


def _fallback(data: bytes) -> tuple[str, str]:
    """cp1252 (the usual culprit) strictly, then charset-normalizer, then Latin-1."""
    try:
        return "cp1252", data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return best.encoding, str(best)
    return "latin-1", data.decode("latin-1")
