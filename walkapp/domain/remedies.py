"""Remedies: catalogue, lifecycle, suggestions and merge maths (pure Python)."""

import math
from dataclasses import dataclass
from datetime import date

from walkapp.domain.errors import N_, PermissionDenied, ValidationError
from walkapp.domain.roles import Role

# ---------------------------------------------------------------- statuses

FORESLAAET = "foreslaaet"
GODKENDT = "godkendt"
TILDELT = "tildelt"
I_GANG = "i_gang"
UDFOERT = "udfoert"
VERIFICERET = "verificeret"
AFVIST = "afvist"
IKKE_VORES_ANSVAR = "ikke_vores_ansvar"

STATUSES = (FORESLAAET, GODKENDT, TILDELT, I_GANG, UDFOERT, VERIFICERET, AFVIST,
            IKKE_VORES_ANSVAR)
# Statuses where the owner still has work to do (Mine opgaver, overdue, reminders).
OPEN_FOR_OWNER = frozenset({TILDELT, I_GANG})
# Statuses that count as "not finished" for the follow-up board and the overdue flag.
UNFINISHED = frozenset({FORESLAAET, GODKENDT, TILDELT, I_GANG, IKKE_VORES_ANSVAR})
CLOSED = frozenset({VERIFICERET, AFVIST})

STATUS_LABELS = {  # English msgids; the web layer translates them
    FORESLAAET: N_("proposed"),
    GODKENDT: N_("approved"),
    TILDELT: N_("assigned"),
    I_GANG: N_("in progress"),
    UDFOERT: N_("done"),
    VERIFICERET: N_("verified"),
    AFVIST: N_("rejected"),
    IKKE_VORES_ANSVAR: N_("not our responsibility"),
}

PRIORITIES = (1, 2, 3)  # 1 high, 2 normal, 3 low
PRIORITY_LABELS = {1: N_("high"), 2: N_("normal"), 3: N_("low")}
EFFORT_BANDS = ("lille", "mellem", "stor")

# Pseudo-role of someone holding a contractor link.
CONTRACTOR = "contractor"

COORD = frozenset({Role.ADMIN.value, Role.KOORDINATOR.value})
OWNER = "owner"  # an inspector of the remedy's owner organisation
REWALK = "rewalk"  # whoever runs a re-walk, saying "virker ikke" about a finished remedy

# (from, to) -> who may make the move. OWNER means an inspector of the owning organisation.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (FORESLAAET, GODKENDT): COORD,
    (FORESLAAET, AFVIST): COORD,
    (GODKENDT, TILDELT): COORD,
    (GODKENDT, AFVIST): COORD,
    (GODKENDT, FORESLAAET): COORD,
    (TILDELT, I_GANG): COORD | {OWNER},
    (TILDELT, UDFOERT): COORD | {OWNER, CONTRACTOR},
    (TILDELT, IKKE_VORES_ANSVAR): COORD | {OWNER},
    (TILDELT, AFVIST): COORD,
    (I_GANG, UDFOERT): COORD | {OWNER, CONTRACTOR},
    (I_GANG, IKKE_VORES_ANSVAR): COORD | {OWNER},
    (I_GANG, TILDELT): COORD | {OWNER},
    (IKKE_VORES_ANSVAR, TILDELT): COORD,  # re-routed to another owner
    (IKKE_VORES_ANSVAR, AFVIST): COORD,
    (UDFOERT, VERIFICERET): COORD,
    (UDFOERT, TILDELT): COORD | {REWALK},  # not fixed: back to the owner
    (VERIFICERET, TILDELT): COORD | {REWALK},  # "virker ikke" on the re-walk reopens it
    (AFVIST, FORESLAAET): COORD,
}

# Fields a move needs: a reason for refusals, an after photo for "done".
REQUIRES_COMMENT = frozenset({AFVIST, IKKE_VORES_ANSVAR})
REQUIRES_PHOTO = frozenset({UDFOERT})


@dataclass(frozen=True)
class Who:
    """The parts of an actor that decide remedy permissions."""

    role: str | None
    org_id: int | None = None
    contractor_remedy_id: int | None = None


def may_view_all(role: str | None) -> bool:
    return role in (Role.ADMIN, Role.KOORDINATOR, Role.PLANLAEGGER)


def may_view(who: Who, remedy_id: int, owner_org_id: int | None) -> bool:
    """Return whether *who* may see the remedy."""
    if who.role == CONTRACTOR:
        return who.contractor_remedy_id == remedy_id
    if may_view_all(who.role):
        return True
    return who.role == Role.INSPEKTOER and who.org_id is not None and who.org_id == owner_org_id


def check_view(who: Who, remedy_id: int, owner_org_id: int | None) -> None:
    if not may_view(who, remedy_id, owner_org_id):
        raise PermissionDenied(N_("You do not have access to this remedy."))


def may_manage(role: str | None) -> bool:
    """Return whether the role creates remedies, runs closing meetings and sees the board."""
    return role in COORD


def roles_for(who: Who, remedy_id: int, owner_org_id: int | None) -> set[str]:
    """Return the transition roles *who* holds for this remedy."""
    held: set[str] = set()
    if who.role in COORD:
        held.add(who.role)
    if who.role == Role.INSPEKTOER and who.org_id is not None and who.org_id == owner_org_id:
        held.add(OWNER)
    if who.role == CONTRACTOR and who.contractor_remedy_id == remedy_id:
        held.add(CONTRACTOR)
    return held


def allowed_targets(status: str, held: set[str]) -> list[str]:
    """Return the statuses reachable from *status* by someone holding *held*."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and roles & held]


def check_transition(status: str, to: str, who: Who, remedy_id: int,
                     owner_org_id: int | None, comment: str, has_photo: bool) -> None:
    """Raise if *who* may not move the remedy from *status* to *to* with these inputs.

    Order matters for the API: unknown target 422, then permission 403, then a move the
    status does not allow 422, then missing fields 422.
    """
    if to not in STATUSES:
        raise ValidationError(N_("Unknown status."), "to")
    check_view(who, remedy_id, owner_org_id)
    held = roles_for(who, remedy_id, owner_org_id)
    if not held:
        raise PermissionDenied(N_("Your role cannot change this remedy."))
    roles = TRANSITIONS.get((status, to))
    if roles is None:
        raise ValidationError(N_("A remedy cannot go from %(a)s to %(b)s."), "to",
                              a=STATUS_LABELS[status], b=STATUS_LABELS[to])
    if not roles & held:
        raise PermissionDenied(N_("Your role cannot make this change."))
    if to in REQUIRES_COMMENT and not comment.strip():
        raise ValidationError(N_("Give a reason."), "comment")
    if to in REQUIRES_PHOTO and not has_photo:
        raise ValidationError(N_("Add an after photo."), "photo")


def is_overdue(status: str, deadline: date | None, today: date) -> bool:
    return deadline is not None and status in UNFINISHED and deadline < today


def check_deadline(deadline: date | None, today: date) -> None:
    if deadline is not None and deadline < today:
        raise ValidationError(N_("The deadline cannot be in the past."), "deadline")


# ---------------------------------------------------------------- catalogue

@dataclass(frozen=True)
class Principle:
    code: str
    family: str  # "dkr" or "cpted"
    name_da: str
    name_en: str


PRINCIPLES: tuple[Principle, ...] = (
    Principle("DKR1", "dkr", "Øjne på gaden", "Eyes on the street"),
    Principle("DKR2", "dkr", "Overblik og synlighed", "Overview and visibility"),
    Principle("DKR3", "dkr", "Tryg færden", "Safe movement"),
    Principle("DKR4", "dkr", "Tryghedsskabende belysning", "Safety-creating lighting"),
    Principle("DKR5", "dkr", "Ejerskab og ansvar", "Ownership and responsibility"),
    Principle("DKR6", "dkr", "Steder at opholde sig og være aktiv",
              "Places to stay and be active"),
    Principle("DKR7", "dkr", "Renhold og vedligehold", "Cleaning and maintenance"),
    Principle("DKR8", "dkr", "Fysisk beskyttelse", "Physical protection"),
    Principle("NS", "cpted", "Naturlig overvågning", "Natural surveillance"),
    Principle("AC", "cpted", "Naturlig adgangskontrol", "Natural access control"),
    Principle("TR", "cpted", "Territorial markering", "Territorial reinforcement"),
    Principle("MI", "cpted", "Vedligehold og image", "Maintenance and image"),
    Principle("AS", "cpted", "Aktivitetsstøtte", "Activity support"),
    Principle("TH", "cpted", "Fysisk sikring (target hardening)", "Target hardening"),
    Principle("SC", "cpted", "Social sammenhængskraft", "Social cohesion"),
    Principle("CO", "cpted", "Forbundethed", "Connectivity"),
    Principle("CC", "cpted", "Fællesskabskultur", "Community culture"),
)


@dataclass(frozen=True)
class Template:
    code: str
    categories: tuple[str, ...]
    principles: tuple[str, ...]
    owner_kind: str  # typical owner: kommune, boligselskab, politi
    effort: str
    title_da: str
    title_en: str
    description_da: str
    description_en: str
    target_da: str
    target_en: str


TEMPLATES: tuple[Template, ...] = (
    Template("LYS-REP", ("LYS",), ("NS", "DKR4"), "kommune", "mellem",
             "Reparér eller udskift belysning", "Repair or replace lighting",
             "Reparér eller udskift armaturer; belys indgange, trapper, tunnelmundinger og "
             "krydsninger; jævnt, varmt lys uden blænding.",
             "Repair or replace fittings; light entrances, stairs, tunnel mouths and "
             "crossings; even, warm, non-glare light.",
             "Alle lamper på strækningen virker; ingen mørke huller mellem lyspunkter.",
             "Every lamp on the stretch works; no dark gaps between lights."),
    Template("BEV-BES", ("BEV",), ("NS", "DKR2", "DKR7"), "boligselskab", "lille",
             "Beskær eller fjern bevoksning", "Prune, thin or remove vegetation",
             "Beskær, udtynd eller fjern buske og træer, der skaber skjulesteder; "
             "læg en fast beskæringsplan.",
             "Prune, thin or remove shrubs and trees that create hiding places; "
             "set up a recurring pruning plan.",
             "Buske højst 1 m høje nær stier; trækroner mindst 2 m oppe.",
             "Shrubs at most 1 m high near paths; tree crowns at least 2 m up."),
    Template("OVB-FLYT", ("OVB", "PAR"), ("NS", "DKR2"), "boligselskab", "stor",
             "Åbn blinde hjørner og udsyn", "Open up blind corners and views",
             "Flyt cykel- og affaldsskure; brug gennemsigtige hegn; åbne facader mod stier.",
             "Move bike and bin sheds; transparent fences; open facades toward paths.",
             "Frit udsyn langs stien fra hjørne til hjørne.",
             "Clear view along the path from corner to corner."),
    Template("STI-TUN", ("STI",), ("NS", "AC", "DKR3", "DKR4"), "kommune", "mellem",
             "Gør tunnelen lys og overskuelig", "Make the underpass light and open",
             "Mal i lyse farver, belys tunnelmundingerne, sæt antigraffiti-plader op.",
             "Paint in light colours, light the mouths, fit anti-graffiti panels.",
             "Man kan se gennem tunnelen og ud i begge ender.",
             "You can see through the underpass and out at both ends."),
    Template("STI-RUTE", ("STI", "TIL"), ("AC", "NS", "DKR3"), "kommune", "stor",
             "Alternative ruter og skiltning", "Alternative routes and wayfinding",
             "Skab kig langs stier, alternative ruter og vejvisning.",
             "Sightlines along paths, alternative routes, wayfinding signs.",
             "Der findes en oplyst alternativ rute, og den er skiltet.",
             "A lit alternative route exists and is signposted."),
    Template("GRA-FJERN", ("GRA",), ("MI", "DKR7"), "boligselskab", "lille",
             "Fjern graffiti hurtigt", "Remove graffiti quickly",
             "Hurtig fjernelse af graffiti og antigraffiti-belægning.",
             "Rapid removal and anti-graffiti coating.",
             "Graffiti fjernes inden for 24 til 48 timer.",
             "Graffiti removed within 24 to 48 hours."),
    Template("AFF-REN", ("AFF",), ("MI", "DKR7"), "boligselskab", "lille",
             "Flere skraldespande og fast renhold", "More bins and a cleaning schedule",
             "Flere eller større skraldespande og en fast renholdsplan.",
             "More or larger bins, a cleaning schedule.",
             "Ingen overfyldte skraldespande ved ugentligt tjek.",
             "No overflowing bins at the weekly check."),
    Template("HAE-REP", ("HAE",), ("MI", "TR", "DKR7", "DKR5"), "boligselskab", "mellem",
             "Reparér hærværk hurtigt", "Repair vandalism quickly",
             "Hurtig reparation, synlige viceværter, inddrag beboerne.",
             "Quick repair, visible caretakers, resident involvement.",
             "Skader repareret inden for en uge.", "Damage repaired within a week."),
    Template("EJE-ZONE", ("EJE",), ("TR", "DKR5"), "boligselskab", "stor",
             "Tydeligt ejerskab", "Clear ownership",
             "Opdel i offentligt, halvprivat og privat; markér kanter; placer "
             "vedligeholdelsesansvaret.",
             "Zone public, semi-private, private; define edges; clear maintenance "
             "responsibility.",
             "Der er en navngiven ansvarlig for arealet.", "A named owner is responsible."),
    Template("LIV-MOED", ("LIV", "LEG"), ("AS", "DKR1", "DKR6"), "kommune", "stor",
             "Skab liv og mødesteder", "Create life and meeting places",
             "Mødesteder, bænke, aktiviteter og arrangementer.",
             "Meeting places, benches, activities, events.",
             "Stedet bruges dagligt; mindst ét tilbagevendende arrangement.",
             "The place is used daily; at least one recurring event."),
    Template("PAR-SYN", ("PAR",), ("NS", "DKR1", "DKR2"), "boligselskab", "mellem",
             "Gør parkeringen synlig", "Make parking overlooked",
             "Gør parkering synlig fra boligerne; belysning og beskæring.",
             "Make parking visible from homes, lighting, trimming.",
             "Parkeringen kan ses fra mindst én beboet facade.",
             "The parking can be seen from at least one lived-in facade."),
    Template("ADG-OPG", ("ADG",), ("AC", "DKR8"), "boligselskab", "mellem",
             "Adgangskontrol i opgange", "Access control in stairwells",
             "Adgangskontrol, sektionering og skiltning.",
             "Access control, sectioning, signage.",
             "Opgangsdøre lukker og låser selv.", "Stairwell doors close and lock by themselves."),
    Template("ADG-SIKR", ("ADG",), ("TH", "DKR8"), "boligselskab", "stor",
             "Sikring mod indbrud", "Protection against burglary",
             "Certificerede låse, døre og vinduer.", "Certified locks, doors, windows.",
             "Alle udsatte døre har certificeret lås.",
             "Every exposed door has a certified lock."),
    Template("ADF-OPS", ("ADF", "OVV"), ("SC", "CC"), "politi", "mellem",
             "Opsøgende indsats", "Outreach",
             "Opsøgende arbejde, ungdomsklubber, synligt nærpoliti, fjern \"scener\".",
             "Outreach, youth clubs, visible local police, remove \"stages\".",
             "Fast tilstedeværelse aftalt med SSP og politi.",
             "Regular presence agreed with SSP and police."),
    Template("TRA-SIK", ("TRA", "KOL"), ("NS", "DKR3"), "kommune", "mellem",
             "Trafiksikkerhed", "Traffic safety",
             "Send til vejafdelingen: krydsninger, hastighed, belysning ved stoppesteder.",
             "Route to the roads department: crossings, speed, lighting at stops.",
             "Vejafdelingen har vurderet stedet.", "The roads department has assessed the place."),
)

# Which kind of organisation typically owns a category's remedy. "area" means the owner of
# the housing area (its housing company); roads, paths and lighting go to the kommune.
CATEGORY_OWNER = {
    "LYS": "kommune", "STI": "kommune", "TRA": "kommune", "KOL": "kommune",
    "TIL": "kommune", "LIV": "kommune",
    "BEV": "area", "OVB": "area", "AFF": "area", "GRA": "area", "HAE": "area",
    "EJE": "area", "ADG": "area", "PAR": "area", "LEG": "area",
    "ADF": "politi", "OVV": "politi",
}


def suggest_templates(categories: list[str], templates=TEMPLATES) -> list:
    """Return templates ranked by how many of *categories* they cover (best first)."""
    wanted = [c for c in categories if c != "GOD"]
    scored = []
    for i, t in enumerate(templates):
        hits = [wanted.index(c) for c in t.categories if c in wanted]
        if hits:
            scored.append((-len(hits), min(hits), i, t))
    return [t for *_, t in sorted(scored, key=lambda s: s[:3])]


def suggest_owner_kind(categories: list[str], area_has_owner: bool) -> str:
    """Return "area" (the area's own organisation) or an organisation kind."""
    for code in categories:
        kind = CATEGORY_OWNER.get(code)
        if kind == "area":
            return "area" if area_has_owner else "kommune"
        if kind:
            return kind
    return "area" if area_has_owner else "kommune"


# ---------------------------------------------------------------- merges

@dataclass(frozen=True)
class MergePoint:
    id: int
    x: float  # metres, EPSG:25832
    y: float
    categories: frozenset[str]


@dataclass(frozen=True)
class MergeSuggestion:
    a: int
    b: int
    distance_m: float
    shared: tuple[str, ...]


def merge_suggestions(points: list[MergePoint], max_m: float) -> list[MergeSuggestion]:
    """Return pairs of points within *max_m* metres sharing a category, nearest first.

    A grid of max_m cells keeps this linear for the few hundred spots of a walk.
    """
    cells: dict[tuple[int, int], list[MergePoint]] = {}
    size = max(max_m, 0.001)
    for p in points:
        cells.setdefault((math.floor(p.x / size), math.floor(p.y / size)), []).append(p)
    out = []
    for p in points:
        cx, cy = math.floor(p.x / size), math.floor(p.y / size)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for q in cells.get((cx + dx, cy + dy), ()):
                    if q.id <= p.id:
                        continue
                    d = math.hypot(p.x - q.x, p.y - q.y)
                    shared = p.categories & q.categories - {"GOD"}
                    if d <= max_m and shared:
                        out.append(MergeSuggestion(p.id, q.id, round(d, 1),
                                                   tuple(sorted(shared))))
    return sorted(out, key=lambda s: (s.distance_m, s.a, s.b))
