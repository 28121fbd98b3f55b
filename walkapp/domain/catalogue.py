"""Spot categories and the other fixed vocabularies of DOMAIN.md."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name_da: str
    name_en: str
    description_en: str


CATEGORIES: tuple[Category, ...] = (
    Category("LYS", "Belysning", "Lighting", "Lighting: missing, broken, weak, glare, uneven"),
    Category("BEV", "Bevoksning og skjulesteder", "Vegetation", "Vegetation, hiding places"),
    Category("OVB", "Oversigt og udsyn", "Sightlines", "Sightlines, blind corners, visibility"),
    Category(
        "STI",
        "Stier, tunneler og passager",
        "Paths",
        "Paths, underpasses, route choice, wayfinding",
    ),
    Category("AFF", "Affald og renhold", "Litter", "Litter, cleanliness"),
    Category("GRA", "Graffiti", "Graffiti", "Graffiti, tags"),
    Category("HAE", "Hærværk og forfald", "Vandalism", "Vandalism, dilapidation, maintenance"),
    Category("EJE", "Ingenmandsland", "No-man's land", "Unclear ownership, no-man's land"),
    Category("LIV", "Øde steder, mangel på liv", "Deserted", "Deserted, lack of activity"),
    Category(
        "ADF",
        "Utryghedsskabende adfærd",
        "Intimidating behaviour",
        "Intimidating behaviour, loitering, dealing",
    ),
    Category("ADG", "Adgangsforhold", "Access", "Entrances, doors, locks, storage rooms"),
    Category("PAR", "Parkering og skure", "Parking and sheds", "Parking, bike and bin sheds"),
    Category("TRA", "Trafik", "Traffic", "Traffic safety (route to roads department)"),
    Category("LEG", "Legepladser og fællesarealer", "Playgrounds", "Playgrounds, shared areas"),
    Category(
        "TIL",
        "Tilgængelighed",
        "Accessibility",
        "Accessibility: steps, surfaces, prams, wheelchairs",
    ),
    Category(
        "OVV",
        "Overvågning og tilsyn",
        "Surveillance",
        "Formal surveillance: police, guards, cameras",
    ),
    Category("KOL", "Kollektiv transport", "Public transport", "Public transport stops"),
    Category("GOD", "Godt sted", "A good place", "A good place: what works here"),
)
CATEGORY_CODES = frozenset(c.code for c in CATEGORIES)

KINDS = ("tryg", "utryg")
LIGHT = ("dagslys", "moerke")
VISIBILITY = ("offentlig", "partnere", "politi")
PARTICIPANT_ROLES = ("beboer", "boligselskab", "kommune", "politi", "andet")
ORG_KINDS = ("kommune", "politi", "boligselskab", "forsyning", "andet")
LOCATION_SOURCES = ("device", "photo", "manual")
WALK_STATUSES = ("planlagt", "igang", "afsluttet")
