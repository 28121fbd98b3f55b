"""privacy: spot_events (note redactions), privacy_log (retention runs, erasures) and
participants.anonymised_at

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spot_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["spot_id"], ["spots.id"], name=op.f("fk_spot_events_spot_id_spots"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_spot_events_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_events")),
    )
    op.create_index(op.f("ix_spot_events_spot_id"), "spot_events", ["spot_id"])
    op.create_table(
        "privacy_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_privacy_log_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_log")),
    )
    op.create_index(op.f("ix_privacy_log_kind"), "privacy_log", ["kind"])
    op.create_index(op.f("ix_privacy_log_created_at"), "privacy_log", ["created_at"])
    # A plain ADD COLUMN: batch mode would copy participants, and dropping the old table would
    # set every spots.participant_id to NULL on SQLite (foreign keys are on).
    op.add_column("participants", sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE participants DROP COLUMN anonymised_at")  # SQLite >= 3.35
    else:
        op.drop_column("participants", "anonymised_at")
    op.drop_index(op.f("ix_privacy_log_created_at"), table_name="privacy_log")
    op.drop_index(op.f("ix_privacy_log_kind"), table_name="privacy_log")
    op.drop_table("privacy_log")
    op.drop_index(op.f("ix_spot_events_spot_id"), table_name="spot_events")
    op.drop_table("spot_events")
