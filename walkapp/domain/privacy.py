"""Notes that name people: find phone numbers, CPR numbers, number plates, e-mail addresses and
person names in a walk note, and replace them by "[fjernet]".

Findings are about places, not people. The detector is deliberately narrow for names: street
and place names are capitalised too ("Mørk sti ved Hyldespjældet", "Lys på Albertslundvej"), so
a name is either introduced by a title (hr., fru, ...) or two capitalised words whose first is
a known first name and whose second does not look like a place.
"""

import re
from dataclasses import dataclass
from datetime import date

from walkapp.domain.errors import N_

REDACTED = "[fjernet]"

KIND_LABELS = {
    "phone": N_("phone number"),
    "cpr": N_("CPR number"),
    "plate": N_("number plate"),
    "email": N_("e-mail address"),
    "name": N_("name of a person"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of KIND_LABELS
    text: str
    start: int
    end: int


# A digit not preceded/followed by another digit (or a dash joining digits).
_NB = r"(?<![\d\w])"
_NA = r"(?![\d\w])"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# CPR: DDMMYY-XXXX or DDMMYYXXXX (the dash may be spaced); the date is checked below.
_CPR = re.compile(_NB + r"(\d{2})(\d{2})(\d{2})\s?-?\s?(\d{4})" + _NA)
# Danish phone numbers: 8 digits, optionally +45/0045, written whole, in pairs or 4+4.
_PHONE = re.compile(
    _NB + r"(?:(?:\+|00)45[\s.-]?)?"
    r"(?:\d{8}|\d{2}(?:[\s.-]\d{2}){3}|\d{4}[\s.-]\d{4}|\d{3}[\s.-]\d{2}[\s.-]\d{3})" + _NA)
# Danish plates: two letters and five digits ("AB 12 345", "AB12345", "ab 12345").
# Upper case only: "ca 10 000 biler" is no plate.
_PLATE = re.compile(_NB + r"[A-ZÆØÅ]{2}[\s-]?\d{2}[\s-]?\d{3}" + _NA)
_YEARS = re.compile(r"(?:19|20)\d\d\D+(?:19|20)\d\d")
_NEXT_WORD = re.compile(r"\s*([\wæøåÆØÅ.]+)")

_TITLE = re.compile(
    r"\b(?:[Hh]r|[Ff]ru|[Ff]rk|[Dd]r|[Hh]err)\.?\s+"
    r"(?P<name>[A-ZÆØÅ][a-zæøåéü]+(?:[\s-][A-ZÆØÅ][a-zæøåéü]+)?)")
_TWO_CAPS = re.compile(
    r"(?<![\wæøå])(?P<first>[A-ZÆØÅ][a-zæøåéü]+)(?:\s+[A-ZÆØÅ]\.)?\s+"
    r"(?P<last>[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?)(?![\wæøå])")

# Common Danish first names (Danmarks Statistik's most frequent, plus short forms).
FIRST_NAMES = frozenset("""
anders anna anne annette ali ahmed ahmad alexander amalie andreas arne asger astrid benny
bent birgit birgitte bjarne bo brian camilla carsten charlotte christian christina
christine claus dorthe emil emma erik eva finn frederik freja gitte grethe hanne hans
heidi helle henrik ida inge inger jacob jakob jan jannie jens jeppe jesper jette johannes
john jonas jonathan jørgen kaj karen karin karl kasper katrine kenneth kim kirsten kristian
lars laura lea lene lis lise lone louise lucas mads malene maja maria marianne martin mathias
mette michael mie mikkel mohammed mohamed morten niels niklas nikolaj ole oliver oscar peter
pernille per pia poul rasmus rikke rune sara sarah sebastian signe simon sofie sofia stig
susanne søren thomas tina tobias tom tommy torben troels ulla victor viggo william yvonne
""".split())

# Second words that make a place, not a surname ("Anne Marie Kirke" aside, these are streets,
# buildings and areas); also the endings of most Danish place names.
PLACE_WORDS = frozenset("""
kirke skole park plads torv sti vej gade allé alle center centret station hallen hal huset
bibliotek børnehave vuggestue klub kollegiet parken skolen kirken stien vejen gaden
""".split())
PLACE_ENDINGS = ("vej", "gade", "sti", "stien", "allé", "alle", "plads", "torv", "park",
                 "parken", "vænge", "have", "haven", "skov", "skoven", "mose", "huse", "gård",
                 "gården", "bro", "broen", "dal", "høj", "holm", "lund", "toften", "marken",
                 "spjældet", "center", "centret", "skolen", "kirke", "hallen", "stræde")


def _plausible_cpr(dd: str, mm: str, yy: str) -> bool:
    day, month, year = int(dd), int(mm), int(yy)
    for century in (1900, 2000):  # the 7th digit would decide; either century will do here
        try:
            date(century + year, month, day)
            return True
        except ValueError:
            continue
    return False


def _is_place(word: str) -> bool:
    low = word.lower()
    return low in PLACE_WORDS or any(low.endswith(e) for e in PLACE_ENDINGS)


def _before_place(note: str, end: int) -> bool:
    """True if the word after *end* makes the name part of a place ("Peter Bangs Vej")."""
    m = _NEXT_WORD.match(note, end)
    return bool(m) and (m.group(1)[:1].isupper() or _is_place(m.group(1)))


def _phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    local = digits[-8:]
    # Danish numbers never start with 0 or 1; "1998-2004" is two years.
    return local[0] not in "01" and not (len(digits) == 8 and _YEARS.fullmatch(text))


def _names(note: str) -> list[Finding]:
    out = [Finding("name", m.group(0), m.start(), m.end()) for m in _TITLE.finditer(note)
           if not _is_place(m.group("name").split()[-1]) and not _before_place(note, m.end())]
    for m in _TWO_CAPS.finditer(note):
        first, last = m.group("first"), m.group("last")
        if first.lower() in FIRST_NAMES and not _is_place(last) \
                and last.lower() not in FIRST_NAMES | PLACE_WORDS \
                and not _before_place(note, m.end()):
            out.append(Finding("name", m.group(0), m.start(), m.end()))
    return out


def find(note: str) -> list[Finding]:
    """Return what in *note* looks like it names a person, in text order, without overlaps."""
    if not note:
        return []
    found: list[Finding] = [Finding("email", m.group(0), m.start(), m.end())
                            for m in _EMAIL.finditer(note)]
    found += [Finding("cpr", m.group(0), m.start(), m.end()) for m in _CPR.finditer(note)
              if _plausible_cpr(*m.groups()[:3])]
    found += [Finding("phone", m.group(0), m.start(), m.end()) for m in _PHONE.finditer(note)
              if _phone(m.group(0))]
    found += [Finding("plate", m.group(0), m.start(), m.end()) for m in _PLATE.finditer(note)]
    found += _names(note)
    # Earlier kinds win an overlap (an e-mail's digits are no phone number, a CPR no phone).
    kept: list[Finding] = []
    for f in found:
        if not any(f.start < k.end and k.start < f.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def redact(note: str, findings: list[Finding] | None = None) -> str:
    """Return *note* with every finding replaced by REDACTED."""
    findings = find(note) if findings is None else findings
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out += [note[pos:f.start], REDACTED]
        pos = f.end
    out.append(note[pos:])
    return "".join(out)


def kinds(findings: list[Finding]) -> list[str]:
    """The kinds of *findings*, each once, in KIND_LABELS order."""
    present = {f.kind for f in findings}
    return [k for k in KIND_LABELS if k in present]
