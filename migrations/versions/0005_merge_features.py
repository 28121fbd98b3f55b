"""Join the photo, remedy and hotspot branches into one head.

Revision ID: 0005
Revises: 0002, 0003, 0004
"""

revision = "0005"
down_revision = ("0002", "0003", "0004")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
