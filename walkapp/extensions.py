"""Flask extensions, created unbound and initialised in create_app()."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base, engine_options={"plugins": ["geoalchemy2"]})
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
