"""HTML pages, one blueprint per module; a blueprint's URL prefix names its template folder.

A view parses the request (``walkapp.domain.params``, ``walkapp.web.inputs``), calls one
service, and renders (``walkapp.web.render``) or redirects. Views import ``web/``,
``services/``, ``domain/`` and ``maps/``; never ``api/`` or ``models/``
(``tests/unit/test_layers.py`` keeps it so).
"""

from walkapp.views import (
    admin,
    auth,
    closing,
    contractor,
    join,
    main,
    photos,
    planner,
    remedies,
    spots,
    walks,
)

BLUEPRINTS = [m.bp for m in (main, auth, walks, join, spots, photos, admin, remedies, closing,
                             contractor, planner)]
