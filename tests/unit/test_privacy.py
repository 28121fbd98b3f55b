"""The detector of notes that name people: positives and, as important, ordinary notes."""

import pytest

from walkapp.domain.privacy import REDACTED, find, kinds, redact

POSITIVES = [
    ("Ring til Hans Jensen hvis lyset går", "name", "Hans Jensen"),
    ("hr. Jensen holder altid her", "name", "hr. Jensen"),
    ("Fru Hansen i nr. 12 klager over støj", "name", "Fru Hansen"),
    ("Kirsten Jensens hus har ingen lampe", "name", "Kirsten Jensens"),
    ("Naboen har nr. 22 33 44 55", "phone", "22 33 44 55"),
    ("Tlf 43686868", "phone", "43686868"),
    ("ring +45 2233 4455", "phone", "+45 2233 4455"),
    ("ring 0045 22334455 i aften", "phone", "0045 22334455"),
    ("Tlf. 22-33-44-55", "phone", "22-33-44-55"),
    ("CPR 120485-1234 fundet på en seddel", "cpr", "120485-1234"),
    ("cpr 1204851234", "cpr", "1204851234"),
    ("Bil AB 12 345 holder på fortovet", "plate", "AB 12 345"),
    ("Varevognen XY12345 står her hver nat", "plate", "XY12345"),
    ("skriv til ole.hansen@example.dk", "email", "ole.hansen@example.dk"),
]

NEGATIVES = [
    "Mørk sti ved Hyldespjældet",
    "Buskene ved Albertslund Station er for høje",
    "Lyset ved Peter Bangs Vej er i stykker",
    "Mette Frederiksen Plads mangler bænke",
    "Tunnel under Roskildevej, 50 m lang, ingen lys",
    "H.C. Andersens Boulevard er hurtig trafik",
    "Anne Marie Kirke: trappen er glat",
    "Kl. 22.30 var der helt mørkt ved Kanalen",
    "Ring 112 ved ulykker",
    "Mødested ved Hyldespjældet 12, 2620 Albertslund",
    "Bygget 1998-2004, ca 10 000 biler om dagen",
    "Dato 31.12.2020, lampe nr. 4711",
    "320485-1234 er ingen dato",  # no 32nd day: no CPR number
    "Cykelsti Vridsløsestræde 2 har huller",
    "Galgebakken Nord og Herstedlund Skole",
    "Store Vejleå Park er uoverskuelig om aftenen",
    "Lars sagde at der er mørkt",  # a first name alone names nobody
]


@pytest.mark.parametrize(("note", "kind", "text"), POSITIVES)
def test_finds_what_names_a_person(note, kind, text):
    found = find(note)
    assert [(f.kind, f.text) for f in found] == [(kind, text)]
    assert note[found[0].start:found[0].end] == text


@pytest.mark.parametrize("note", NEGATIVES)
def test_ordinary_notes_are_not_flagged(note):
    assert find(note) == []


def test_several_findings_in_order_and_redacted():
    note = "Hans Jensen (22 33 44 55) parkerer AB 12 345 her"
    found = find(note)
    assert [f.kind for f in found] == ["name", "phone", "plate"]
    assert kinds(found) == ["phone", "plate", "name"]
    assert redact(note) == f"{REDACTED} ({REDACTED}) parkerer {REDACTED} her"


def test_a_cpr_number_is_not_also_a_phone_number():
    assert [f.kind for f in find("120485-1234 og 1204851234")] == ["cpr", "cpr"]


def test_email_digits_are_no_phone():
    assert [f.kind for f in find("jens22334455@example.dk")] == ["email"]


def test_empty_note():
    assert find("") == [] and redact("") == ""
