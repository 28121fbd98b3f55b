"""Who may use the hotspot maps and statistics."""

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, PermissionDenied
from walkapp.domain.roles import Role

ANALYSTS = frozenset({Role.PLANLAEGGER, Role.KOORDINATOR, Role.ADMIN})


def check_analyst(actor: Actor) -> None:
    """Raise unless *actor* may use the hotspot maps and statistics."""
    if actor.role not in ANALYSTS:
        raise PermissionDenied(N_("Only planners and coordinators can see hotspot maps."))
