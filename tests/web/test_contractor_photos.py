"""A withdrawn or expired contractor link stops serving the remedy's photos to the browser that
opened it (issue 12, point 10): before photos and after photos alike."""

from datetime import timedelta

import pytest

from tests.factories import actor_for, add_spot, jpeg_bytes, make_user, make_walk
from walkapp.models import ContractorLink
from walkapp.models.types import utcnow
from walkapp.photos.processing import Settings
from walkapp.photos.store import FileStore
from walkapp.services import photos as photo_service
from walkapp.services.remedies import closing as remedy_closing
from walkapp.services.remedies import contractor as contractor_links
from walkapp.services.remedies import lifecycle
from walkapp.services.remedies import photos as remedy_photos


@pytest.fixture
def shared(app, session):
    coord = make_user(session, "koordinator")
    walk = make_walk(session, coordinator=coord)
    spot = add_spot(session, walk, cats=("BEV",), note="Buske", photo_dir=app.config["PHOTO_DIR"])
    spot.photos[0].blur_pending = False
    actor = actor_for(coord)
    r = remedy_closing.create_remedy(session, actor, walk, remedy_closing.RemedyInput(
        spot_ids=[spot.id], title="Beskær buskene"))
    lifecycle.actor_transition(session, actor, r.id, "godkendt", "", r.version)
    lifecycle.actor_transition(session, actor, r.id, "tildelt", "", r.version)
    after = remedy_photos.store_photo(session, r, remedy_photos.PhotoUpload(
        jpeg_bytes(color=(10, 200, 10)), Settings(auto_redact=False)),
        FileStore(app.config["PHOTO_DIR"]), kind="after").photo
    link, token = contractor_links.create_contractor_link(session, actor, r.id)
    other, _ = contractor_links.create_contractor_link(session, actor, r.id)  # stays live
    session.commit()
    variant = photo_service.variant_for(None, after)
    return {"token": token, "link_id": link.id, "other_id": other.id,
            "urls": [f"/remedies/spot-photos/{spot.photos[0].token}/thumb.jpg",
                     f"/photos/{after.token}/{variant}/thumb.jpg"]}


def opened(app, shared):
    c = app.test_client()
    assert c.get(f"/c/{shared['token']}").status_code == 200
    for url in shared["urls"]:
        assert c.get(url).status_code == 200, url
    return c


@pytest.mark.parametrize("ends", ["revoked", "expired"])
def test_ended_link_serves_no_photos_to_the_browser_that_opened_it(app, session, shared, ends):
    c = opened(app, shared)
    link = session.get(ContractorLink, shared["link_id"])
    if ends == "revoked":
        link.revoked_at = utcnow()
    else:
        link.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert c.get(f"/c/{shared['token']}").status_code == 403
    for url in shared["urls"]:
        assert c.get(url).status_code == 404, url  # another live link of the remedy is no key


def test_live_link_keeps_serving(app, shared):
    c = opened(app, shared)
    for url in shared["urls"]:
        assert c.get(url).status_code == 200, url
