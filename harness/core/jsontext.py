"""JSON text that any Python string survives: lone surrogates, NUL, control and non-UTF-8 bytes.

A model can send a lone UTF-16 surrogate (``"\\ud83d"`` is valid JSON), and a reply that is not
UTF-8 is kept as ``surrogateescape`` text (bytes 0x80..0xFF become U+DC80..U+DCFF). Neither can be
encoded as UTF-8, so ``json.dumps(..., ensure_ascii=False)`` followed by a UTF-8 write crashes.
``dumps`` keeps text readable (non-ASCII stays as is) and writes every surrogate as a ``\\uXXXX``
escape instead: the output is valid UTF-8 JSON, and ``json.loads`` gives back the exact string.
``original_bytes`` turns such a string back into the bytes the server sent.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_BYTE_ESCAPES = re.compile("([\udc80-\udcff]+)")


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, **kwargs)`` with surrogates escaped (always UTF-8-safe)."""
    text = json.dumps(obj, ensure_ascii=False, **kwargs)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _SURROGATE.search(text) else text


def original_bytes(text: str) -> bytes:
    """The bytes a text came from: UTF-8, with U+DC80..U+DCFF back to the raw bytes they stand for
    and any other lone surrogate in its UTF-8-style form (``surrogatepass``)."""
    parts = _BYTE_ESCAPES.split(text)  # odd positions: runs of escaped raw bytes
    return b"".join(part.encode("utf-8", "surrogateescape" if i % 2 else "surrogatepass")
                    for i, part in enumerate(parts))
