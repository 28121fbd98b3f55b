"""Flask commands (flask --app walkapp COMMAND), one module per resource:

users (create-user), areas (import-areas), spots (import-spots), photos (photos-check,
photos-blur), notifications (send-notifications), retention (retention-run), demo (seed-demo,
demo-logins).
"""

from walkapp.cli import areas, demo, notifications, photos, retention, spots, users


def init_app(app) -> None:
    for module in (users, areas, spots, photos, notifications, retention, demo):
        module.init_app(app)
