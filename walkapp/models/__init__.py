"""SQLAlchemy models. Importing this package registers every table on db.metadata."""

from walkapp.models.area import Area
from walkapp.models.audit import AuditEntry  # noqa: F401
from walkapp.models.focus import FocusArea, SpotImport, SpotSource  # noqa: F401
from walkapp.models.org import Organisation, User
from walkapp.models.outbox import NotificationPreference, OutboxMessage  # noqa: F401
from walkapp.models.privacy import PrivacyLog, SpotEvent  # noqa: F401
from walkapp.models.redaction import PhotoRedaction  # noqa: F401
from walkapp.models.remedy import (  # noqa: F401
    ContractorLink,
    Principle,
    Remedy,
    RemedyEvent,
    RemedyPhoto,
    RemedyTemplate,
    SpotMerge,
    remedy_spots,
)
from walkapp.models.spot import Category, Photo, Spot, spot_categories
from walkapp.models.walk import Participant, Walk

__all__ = [
    "Area",
    "Category",
    "Organisation",
    "Participant",
    "Photo",
    "Spot",
    "User",
    "Walk",
    "spot_categories",
]
