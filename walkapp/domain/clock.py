"""Time as the kommune lives it: "today" is Copenhagen's date, everywhere (views, services,
reminders, reports), whatever the server's clock zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Copenhagen")


def now() -> datetime:
    return datetime.now(TZ)


def today() -> date:
    return now().date()
