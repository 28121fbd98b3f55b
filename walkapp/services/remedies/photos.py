"""Before and after photos of remedies, through the one photo pipeline (services.photos).

After photos (and contractors' note photos) are ``Photo`` rows with owner_kind "remedy",
linked by ``RemedyPhoto``: same store, renditions, metadata stripping, automatic blurring and
variants as spot photos. Who may see one: whoever may see its remedy (readers, the owner's
inspectors, a browser holding the remedy's contractor link); everyone but coordinators and
police gets it blurred. The "before" photos are the covered spots' own photos.

Importing this module registers the access rule with the photo service.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from walkapp.domain.actor import Actor
from walkapp.domain.errors import N_, NotFound
from walkapp.models import Photo, Remedy, RemedyPhoto, Spot
from walkapp.photos.processing import Settings, process
from walkapp.photos.store import PhotoStore, staged
from walkapp.services import audit
from walkapp.services import photos as photo_service
from walkapp.services.remedies import access
from walkapp.services.visibility import visible_clause, visible_levels


@dataclass
class PhotoUpload:
    """Raw bytes of an uploaded photo and the settings (limits, renditions) it is made with."""

    data: bytes
    settings: Settings = field(default_factory=Settings)


def store_photo(session, remedy: Remedy, upload: PhotoUpload, store: PhotoStore,
                kind: str = "after", uploaded_by: int | None = None) -> RemedyPhoto:
    """Process and store a remedy photo (413/415/422 on a bad file) and link it to *remedy*."""
    processed = process(upload.data, upload.settings)
    with staged(store) as writes:  # files removed again if storing fails
        (row,) = photo_service.store_photos(session, [processed], writes, owner_kind="remedy",
                                            uploaded_by=uploaded_by)
    link = RemedyPhoto(kind=kind, photo=row)
    remedy.photos.append(link)
    return link


def _remedy_of(session, photo: Photo) -> Remedy | None:
    return session.scalar(sa.select(Remedy).join(RemedyPhoto, RemedyPhoto.remedy_id == Remedy.id)
                          .where(RemedyPhoto.photo_id == photo.id))


def may_see_photo(session, actor: Actor, photo: Photo) -> bool:
    """The photo service's access rule for owner_kind "remedy": whoever may see the remedy."""
    remedy = _remedy_of(session, photo)
    return remedy is not None and access.may_view(actor, remedy)


photo_service.register_access("remedy", may_see_photo)


def photo_by_token(session, actor: Actor, token: str) -> Photo:
    """The remedy photo behind an (old) remedy-photo URL, if *actor* may see it; else 404."""
    photo = session.scalar(sa.select(Photo).join(RemedyPhoto, RemedyPhoto.photo_id == Photo.id)
                           .where(Photo.token == token))
    if photo is None or not may_see_photo(session, actor, photo):
        raise NotFound(N_("No such photo."))
    return photo


def before_photos(remedy: Remedy, levels) -> list[Photo]:
    """The spots' photos the viewer may see: the "before" pictures of the remedy."""
    return [p for s in remedy.spots if s.visibility in levels and not s.hidden for p in s.photos]


def spot_photo(session, actor: Actor, token: str) -> Photo:
    """A spot photo for whoever may see the spot, or a remedy covering it (before photos)."""
    photo = session.scalar(sa.select(Photo).where(Photo.token == token))
    if photo is None or photo.spot_id is None:
        raise NotFound(N_("No such photo."))
    spot = session.get(Spot, photo.spot_id)
    if session.scalar(sa.select(Spot.id).where(Spot.id == spot.id,
                                               visible_clause(actor))) is not None:
        return photo
    levels = visible_levels(actor)  # a contractor link's browser: public spots only
    remedies = session.scalars(sa.select(Remedy).where(Remedy.spots.any(Spot.id == spot.id)))
    if spot.visibility in levels and not spot.hidden and any(
            access.may_view(actor, r) for r in remedies):
        return photo
    raise NotFound(N_("No such photo."))


def spot_photo_file(session, actor: Actor, token: str, rendition: str, store: PhotoStore,
                    settings: Settings, blurred: bool = False) -> photo_service.Rendition:
    """The JPEG of a spot photo's *rendition* for *actor* (404 unless they may see the spot
    or a remedy covering it): the photo service's decision (jpeg_for); an unblurred file of a
    photo others get blurred goes into the audit log."""
    photo = spot_photo(session, actor, token)
    served = photo_service.jpeg_for(session, actor, photo, rendition, store, settings,
                                    blurred=blurred)
    if served.path is not None and photo_service.shows_clean(actor, photo, blurred):
        audit.clean_photo(session, actor, photo, rendition)
    return served
