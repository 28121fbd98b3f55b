"""Who is acting: a logged-in user, a guest participant, or nobody."""

from dataclasses import dataclass, field

from walkapp.domain.roles import can_plan_walks, can_read_all, visibility_levels


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    role: str | None = None
    org_id: int | None = None
    org_kind: str | None = None
    # walk id -> participant id, for guests (kept in their session) and joined users
    guest_participations: dict[int, int] = field(default_factory=dict)
    # remedy ids this browser opened through a contractor link (kept in its session)
    contractor_remedies: tuple[int, ...] = ()

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def plans_walks(self) -> bool:
        return can_plan_walks(self.role)

    @property
    def reads_all(self) -> bool:
        return can_read_all(self.role)

    @property
    def visibility(self) -> tuple[str, ...]:
        return visibility_levels(self.role, self.org_kind)


ANONYMOUS = Actor()
