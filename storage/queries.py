"""The reads' old address, kept for the modules that still import it; new code names the module.

The reads live by what they read: storage.catalog (series, revisions), storage.incident_rows
(incidents as rows), storage.days (incident days and day counts), storage.breakdowns (a key's
most common values, the filter values' labels). The names below are those that
bot/commands/core.py, reviews.py, sources.py and bot/notify/alerts.py, digests.py read as
`queries.NAME`; once those import the modules themselves, this module goes.
"""

from __future__ import annotations

from storage.catalog import SeriesLike as SeriesLike
from storage.catalog import SeriesRef as SeriesRef
from storage.catalog import catalog as catalog
from storage.catalog import lock_series as lock_series
from storage.catalog import series_by_name as series_by_name
from storage.catalog import series_names as series_names
from storage.days import daily_counts as daily_counts
from storage.days import incident_days as incident_days
from storage.days import last_incident_day as last_incident_day
from storage.days import total as total
from storage.incident_rows import incident_row as incident_row
from storage.incident_rows import incidents_between as incidents_between
from storage.incident_rows import incidents_on as incidents_on
from storage.incident_rows import to_incident as to_incident
