"""Text a user wrote (scenario descriptions, workload and catalog labels), made safe for every output at once.

Such text reaches Markdown (report.md), the PDF (fpdf2 reads ``**``, ``__``, ``~~``, ``--`` and ``[..](..)`` as
markup), figures (matplotlib) and, through report.md, web pages. Backslash escapes differ between these and would
show as backslashes where text is not read as Markdown (PDF table cells, figure labels), so the characters that are
markup somewhere are replaced, in this one place, by look-alikes that are markup nowhere, and line breaks (which
could start a heading or a list) become spaces. Planner-written text keeps its own markup.
"""

from __future__ import annotations

import re

_LOOKALIKES = str.maketrans({
    "*": "\u2217",  # asterisk operator
    "`": "\u02cb",  # modifier letter grave accent
    "[": "(", "]": ")",
    "<": "\u2039", ">": "\u203a",  # single angle quotation marks: no HTML tag can open
    "|": "\u00a6",  # broken bar: no table cell can close
    "~": "\u223c",  # tilde operator
    "\\": "\u2216",  # set minus
})
_EMPHASIS_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # snake_case ids stay as they are
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def safe_text(text: object) -> str:
    """``text`` with every markup character of Markdown, fpdf2 and HTML replaced by a look-alike, on one line."""
    s = _SPACES.sub(" ", _CONTROL.sub("", str(text))).strip().translate(_LOOKALIKES)
    s = _EMPHASIS_UNDERSCORE.sub("\u02cd", s)  # modifier letter low macron where _ could open or close emphasis
    s = s.replace("--", "\u2013")  # fpdf2's underline marker: an en dash
    return "\u266f" + s[1:] if s.startswith("#") else s  # a heading only at the start of a line
