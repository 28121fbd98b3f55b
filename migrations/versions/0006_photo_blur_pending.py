"""photos.blur_pending: automatic face/plate detection runs after the upload

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # Existing photos were detected at upload, so they are not pending.
    op.add_column("photos", sa.Column("blur_pending", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_index(op.f("ix_photos_blur_pending"), "photos", ["blur_pending"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_photos_blur_pending"), table_name="photos")
    with op.batch_alter_table("photos") as batch_op:
        batch_op.drop_column("blur_pending")
