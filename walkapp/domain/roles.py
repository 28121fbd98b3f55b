"""Roles and what each may do (DOMAIN.md, Roles)."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    KOORDINATOR = "koordinator"
    VANDRINGSLEDER = "vandringsleder"
    DELTAGER = "deltager"
    INSPEKTOER = "inspektoer"
    PLANLAEGGER = "planlaegger"


ROLES = tuple(r.value for r in Role)

# Who may plan walks and manage every walk.
PLANNERS_OF_WALKS = frozenset({Role.ADMIN, Role.KOORDINATOR})
# Who may lead a walk (be named its leader).
LEADERS = frozenset({Role.ADMIN, Role.KOORDINATOR, Role.VANDRINGSLEDER})
# Who may read every spot of every walk (overview map, exports).
READERS_OF_ALL = frozenset({Role.ADMIN, Role.KOORDINATOR, Role.PLANLAEGGER})
# Who may see spots marked police/DKE only.
POLICE_LEVEL = frozenset({Role.ADMIN, Role.KOORDINATOR})


def can_plan_walks(role: str | None) -> bool:
    return role in PLANNERS_OF_WALKS


def can_read_all(role: str | None) -> bool:
    return role in READERS_OF_ALL


def can_administer(role: str | None) -> bool:
    return role == Role.ADMIN


def visibility_levels(role: str | None, org_kind: str | None = None) -> tuple[str, ...]:
    """Return the spot visibility levels a role may see.

    Police and DKE see everything; partners (any account) see public and partner spots;
    guests see only public ones.
    """
    if role in POLICE_LEVEL or org_kind == "politi":
        return ("offentlig", "partnere", "politi")
    if role is None:
        return ("offentlig",)
    return ("offentlig", "partnere")
