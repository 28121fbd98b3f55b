"""users.session_token: part of every session and remember cookie, rotated to end them

Revision ID: 0007
Revises: 0006
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("session_token", sa.String(length=64), nullable=True))
    # Every existing user gets a token of their own; cookies issued before hold no token and
    # stop matching, so everyone logs in once more.
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64),
                              nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_token")
