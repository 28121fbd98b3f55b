"""remedies

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 01:03:41.643957

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


# Frozen copy of the catalogue (walkapp/domain/remedies.py, from DOMAIN.md) at this revision.
PRINCIPLES = [
    ('DKR1', 'dkr', 'Øjne på gaden', 'Eyes on the street'),
    ('DKR2', 'dkr', 'Overblik og synlighed', 'Overview and visibility'),
    ('DKR3', 'dkr', 'Tryg færden', 'Safe movement'),
    ('DKR4', 'dkr', 'Tryghedsskabende belysning', 'Safety-creating lighting'),
    ('DKR5', 'dkr', 'Ejerskab og ansvar', 'Ownership and responsibility'),
    ('DKR6', 'dkr', 'Steder at opholde sig og være aktiv', 'Places to stay and be active'),
    ('DKR7', 'dkr', 'Renhold og vedligehold', 'Cleaning and maintenance'),
    ('DKR8', 'dkr', 'Fysisk beskyttelse', 'Physical protection'),
    ('NS', 'cpted', 'Naturlig overvågning', 'Natural surveillance'),
    ('AC', 'cpted', 'Naturlig adgangskontrol', 'Natural access control'),
    ('TR', 'cpted', 'Territorial markering', 'Territorial reinforcement'),
    ('MI', 'cpted', 'Vedligehold og image', 'Maintenance and image'),
    ('AS', 'cpted', 'Aktivitetsstøtte', 'Activity support'),
    ('TH', 'cpted', 'Fysisk sikring (target hardening)', 'Target hardening'),
    ('SC', 'cpted', 'Social sammenhængskraft', 'Social cohesion'),
    ('CO', 'cpted', 'Forbundethed', 'Connectivity'),
    ('CC', 'cpted', 'Fællesskabskultur', 'Community culture'),
]

TEMPLATES = [
    ('LYS-REP', 'LYS', 'NS,DKR4', 'kommune', 'mellem', 'Reparér eller udskift belysning', 'Repair or replace lighting', 'Reparér eller udskift armaturer; belys indgange, trapper, tunnelmundinger og krydsninger; jævnt, varmt lys uden blænding.', 'Repair or replace fittings; light entrances, stairs, tunnel mouths and crossings; even, warm, non-glare light.', 'Alle lamper på strækningen virker; ingen mørke huller mellem lyspunkter.', 'Every lamp on the stretch works; no dark gaps between lights.'),
    ('BEV-BES', 'BEV', 'NS,DKR2,DKR7', 'boligselskab', 'lille', 'Beskær eller fjern bevoksning', 'Prune, thin or remove vegetation', 'Beskær, udtynd eller fjern buske og træer, der skaber skjulesteder; læg en fast beskæringsplan.', 'Prune, thin or remove shrubs and trees that create hiding places; set up a recurring pruning plan.', 'Buske højst 1 m høje nær stier; trækroner mindst 2 m oppe.', 'Shrubs at most 1 m high near paths; tree crowns at least 2 m up.'),
    ('OVB-FLYT', 'OVB,PAR', 'NS,DKR2', 'boligselskab', 'stor', 'Åbn blinde hjørner og udsyn', 'Open up blind corners and views', 'Flyt cykel- og affaldsskure; brug gennemsigtige hegn; åbne facader mod stier.', 'Move bike and bin sheds; transparent fences; open facades toward paths.', 'Frit udsyn langs stien fra hjørne til hjørne.', 'Clear view along the path from corner to corner.'),
    ('STI-TUN', 'STI', 'NS,AC,DKR3,DKR4', 'kommune', 'mellem', 'Gør tunnelen lys og overskuelig', 'Make the underpass light and open', 'Mal i lyse farver, belys tunnelmundingerne, sæt antigraffiti-plader op.', 'Paint in light colours, light the mouths, fit anti-graffiti panels.', 'Man kan se gennem tunnelen og ud i begge ender.', 'You can see through the underpass and out at both ends.'),
    ('STI-RUTE', 'STI,TIL', 'AC,NS,DKR3', 'kommune', 'stor', 'Alternative ruter og skiltning', 'Alternative routes and wayfinding', 'Skab kig langs stier, alternative ruter og vejvisning.', 'Sightlines along paths, alternative routes, wayfinding signs.', 'Der findes en oplyst alternativ rute, og den er skiltet.', 'A lit alternative route exists and is signposted.'),
    ('GRA-FJERN', 'GRA', 'MI,DKR7', 'boligselskab', 'lille', 'Fjern graffiti hurtigt', 'Remove graffiti quickly', 'Hurtig fjernelse af graffiti og antigraffiti-belægning.', 'Rapid removal and anti-graffiti coating.', 'Graffiti fjernes inden for 24 til 48 timer.', 'Graffiti removed within 24 to 48 hours.'),
    ('AFF-REN', 'AFF', 'MI,DKR7', 'boligselskab', 'lille', 'Flere skraldespande og fast renhold', 'More bins and a cleaning schedule', 'Flere eller større skraldespande og en fast renholdsplan.', 'More or larger bins, a cleaning schedule.', 'Ingen overfyldte skraldespande ved ugentligt tjek.', 'No overflowing bins at the weekly check.'),
    ('HAE-REP', 'HAE', 'MI,TR,DKR7,DKR5', 'boligselskab', 'mellem', 'Reparér hærværk hurtigt', 'Repair vandalism quickly', 'Hurtig reparation, synlige viceværter, inddrag beboerne.', 'Quick repair, visible caretakers, resident involvement.', 'Skader repareret inden for en uge.', 'Damage repaired within a week.'),
    ('EJE-ZONE', 'EJE', 'TR,DKR5', 'boligselskab', 'stor', 'Tydeligt ejerskab', 'Clear ownership', 'Opdel i offentligt, halvprivat og privat; markér kanter; placer vedligeholdelsesansvaret.', 'Zone public, semi-private, private; define edges; clear maintenance responsibility.', 'Der er en navngiven ansvarlig for arealet.', 'A named owner is responsible.'),
    ('LIV-MOED', 'LIV,LEG', 'AS,DKR1,DKR6', 'kommune', 'stor', 'Skab liv og mødesteder', 'Create life and meeting places', 'Mødesteder, bænke, aktiviteter og arrangementer.', 'Meeting places, benches, activities, events.', 'Stedet bruges dagligt; mindst ét tilbagevendende arrangement.', 'The place is used daily; at least one recurring event.'),
    ('PAR-SYN', 'PAR', 'NS,DKR1,DKR2', 'boligselskab', 'mellem', 'Gør parkeringen synlig', 'Make parking overlooked', 'Gør parkering synlig fra boligerne; belysning og beskæring.', 'Make parking visible from homes, lighting, trimming.', 'Parkeringen kan ses fra mindst én beboet facade.', 'The parking can be seen from at least one lived-in facade.'),
    ('ADG-OPG', 'ADG', 'AC,DKR8', 'boligselskab', 'mellem', 'Adgangskontrol i opgange', 'Access control in stairwells', 'Adgangskontrol, sektionering og skiltning.', 'Access control, sectioning, signage.', 'Opgangsdøre lukker og låser selv.', 'Stairwell doors close and lock by themselves.'),
    ('ADG-SIKR', 'ADG', 'TH,DKR8', 'boligselskab', 'stor', 'Sikring mod indbrud', 'Protection against burglary', 'Certificerede låse, døre og vinduer.', 'Certified locks, doors, windows.', 'Alle udsatte døre har certificeret lås.', 'Every exposed door has a certified lock.'),
    ('ADF-OPS', 'ADF,OVV', 'SC,CC', 'politi', 'mellem', 'Opsøgende indsats', 'Outreach', 'Opsøgende arbejde, ungdomsklubber, synligt nærpoliti, fjern "scener".', 'Outreach, youth clubs, visible local police, remove "stages".', 'Fast tilstedeværelse aftalt med SSP og politi.', 'Regular presence agreed with SSP and police.'),
    ('TRA-SIK', 'TRA,KOL', 'NS,DKR3', 'kommune', 'mellem', 'Trafiksikkerhed', 'Traffic safety', 'Send til vejafdelingen: krydsninger, hastighed, belysning ved stoppesteder.', 'Route to the roads department: crossings, speed, lighting at stops.', 'Vejafdelingen har vurderet stedet.', 'The roads department has assessed the place.'),
]


def _seed_catalogue():
    principles = sa.table("principles", sa.column("code"), sa.column("family"),
                          sa.column("name_da"), sa.column("name_en"), sa.column("sort"))
    op.bulk_insert(principles, [
        {"code": c, "family": f, "name_da": da, "name_en": en, "sort": i}
        for i, (c, f, da, en) in enumerate(PRINCIPLES)
    ])
    cols = ("code", "categories", "principles", "owner_kind", "effort", "title_da", "title_en",
            "description_da", "description_en", "target_da", "target_en")
    templates = sa.table("remedy_templates", *(sa.column(c) for c in cols + ("sort", "active")))
    op.bulk_insert(templates, [
        dict(zip(cols, row), sort=i, active=True) for i, row in enumerate(TEMPLATES)
    ])


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('principles',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('family', sa.String(length=8), nullable=False),
    sa.Column('name_da', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_principles'))
    )
    op.create_table('remedy_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('categories', sa.String(length=100), nullable=False),
    sa.Column('principles', sa.String(length=100), nullable=False),
    sa.Column('owner_kind', sa.String(length=20), nullable=False),
    sa.Column('effort', sa.String(length=10), nullable=False),
    sa.Column('title_da', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_da', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('target_da', sa.String(length=300), nullable=False),
    sa.Column('target_en', sa.String(length=300), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_remedy_templates_code'))
    )
    op.create_table('notification_prefs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_prefs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_prefs'))
    )
    op.create_geospatial_table('remedies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_remedies_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_remedies_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_remedies_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_remedies_owner_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['template_id'], ['remedy_templates.id'], name=op.f('fk_remedies_template_id_remedy_templates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], name=op.f('fk_remedies_walk_id_walks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedies'))
    )
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedies_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedies_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index('ix_remedies_owner_status_deadline', ['owner_org_id', 'status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedies_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_remedies_walk_id'), ['walk_id'], unique=False)

    op.create_table('contractor_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contractor_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_contractor_links_remedy_id_remedies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractor_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_contractor_links_token_hash'))
    )
    with op.batch_alter_table('contractor_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contractor_links_remedy_id'), ['remedy_id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('remedy_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_outbox_messages_remedy_id_remedies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_state_next', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_to_addr'), ['to_addr'], unique=False)

    op.create_table('remedy_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_remedy_photos_remedy_id_remedies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_photos')),
    sa.UniqueConstraint('token', name=op.f('uq_remedy_photos_token'))
    )
    with op.batch_alter_table('remedy_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedy_photos_remedy_id'), ['remedy_id'], unique=False)

    op.create_table('remedy_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['photo_id'], ['remedy_photos.id'], name=op.f('fk_remedy_events_photo_id_remedy_photos'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_remedy_events_remedy_id_remedies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_remedy_events_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], name=op.f('fk_remedy_events_walk_id_walks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_events'))
    )
    with op.batch_alter_table('remedy_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedy_events_remedy_id'), ['remedy_id'], unique=False)

    op.create_table('remedy_spots',
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('spot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_remedy_spots_remedy_id_remedies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['spot_id'], ['spots.id'], name=op.f('fk_remedy_spots_spot_id_spots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('remedy_id', 'spot_id', name=op.f('pk_remedy_spots'))
    )
    with op.batch_alter_table('remedy_spots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedy_spots_spot_id'), ['spot_id'], unique=False)

    op.create_table('spot_merges',
    sa.Column('spot_id', sa.Integer(), nullable=False),
    sa.Column('into_spot_id', sa.Integer(), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['into_spot_id'], ['spots.id'], name=op.f('fk_spot_merges_into_spot_id_spots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_spot_merges_merged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['spot_id'], ['spots.id'], name=op.f('fk_spot_merges_spot_id_spots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('spot_id', name=op.f('pk_spot_merges'))
    )
    with op.batch_alter_table('spot_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_merges_into_spot_id'), ['into_spot_id'], unique=False)

    # ### end Alembic commands ###
    _seed_catalogue()


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('spot_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_merges_into_spot_id'))

    op.drop_table('spot_merges')
    with op.batch_alter_table('remedy_spots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedy_spots_spot_id'))

    op.drop_table('remedy_spots')
    with op.batch_alter_table('remedy_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedy_events_remedy_id'))

    op.drop_table('remedy_events')
    with op.batch_alter_table('remedy_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedy_photos_remedy_id'))

    op.drop_table('remedy_photos')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_to_addr'))
        batch_op.drop_index('ix_outbox_messages_state_next')

    op.drop_table('outbox_messages')
    with op.batch_alter_table('contractor_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contractor_links_remedy_id'))

    op.drop_table('contractor_links')
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedies_walk_id'))
        batch_op.drop_index(batch_op.f('ix_remedies_status'))
        batch_op.drop_index('ix_remedies_owner_status_deadline')
        batch_op.drop_index(batch_op.f('ix_remedies_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_remedies_area_id'))

    op.drop_geospatial_table('remedies')
    op.drop_table('notification_prefs')
    op.drop_table('remedy_templates')
    op.drop_table('principles')
    # ### end Alembic commands ###
