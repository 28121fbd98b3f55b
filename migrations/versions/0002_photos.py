"""photos: record fields, owners other than spots, redaction rectangles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 01:17:28.226065

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_kind', sa.String(length=10), server_default='spot', nullable=False))
        batch_op.add_column(sa.Column('byte_size', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('has_original', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('gps_alt', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('gps_direction', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('redaction_key', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('uploaded_by_id', sa.Integer(), nullable=True))
        batch_op.alter_column('spot_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_photos_uploaded_by_id_users'), 'users', ['uploaded_by_id'], ['id'], ondelete='SET NULL')

    op.create_table('photo_redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('x', sa.Double(), nullable=False),
    sa.Column('y', sa.Double(), nullable=False),
    sa.Column('w', sa.Double(), nullable=False),
    sa.Column('h', sa.Double(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_photo_redactions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_photo_redactions_photo_id_photos'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_photo_redactions_removed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_redactions'))
    )
    with op.batch_alter_table('photo_redactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_redactions_photo_id'), ['photo_id'], unique=False)


def downgrade():
    with op.batch_alter_table('photo_redactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_redactions_photo_id'))

    op.drop_table('photo_redactions')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_photos_uploaded_by_id_users'), type_='foreignkey')
        batch_op.alter_column('spot_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('uploaded_by_id')
        batch_op.drop_column('redaction_key')
        batch_op.drop_column('gps_direction')
        batch_op.drop_column('gps_alt')
        batch_op.drop_column('has_original')
        batch_op.drop_column('byte_size')
        batch_op.drop_column('owner_kind')
