from flask import Blueprint

bp = Blueprint("spots", __name__, url_prefix="/spots")
