"""What the member directory's Discipline, Country and Language filters offer: the values
present among the profiles the viewer may see. At 50,000 members each is a DISTINCT over the
member table (20-35 ms), and they change rarely, so they are kept in the cache.

Bound, not invalidation: a profile's discipline, country or languages change through several
paths (the profile form, the admin, deactivation, account deletion), so instead of hooking
each, the values are kept for DIRECTORY_CHOICES_SECONDS; a newly declared value reaches the
filters within that time (the members are found at once by the other filters and the list).

Privacy: the cache key is a digest of the profiles query itself (its SQL and parameters), so
the visitors' list (public profiles only) and the members' list (every active member) are two
entries, and a list can only ever be served to a query that would have read the same rows.
The Redis cache fails open (cop_platform/cache.py): when it is down they are read each time.
"""

import hashlib

from django.core.cache import cache

DIRECTORY_CHOICES_SECONDS = 300


def _key(profiles) -> str:
    sql, params = profiles.query.sql_with_params()
    return "members:directory-choices:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def present_values(profiles) -> dict:
    """{"disciplines": [...], "countries": {codes}, "languages": [...]} present among `profiles`."""
    key = _key(profiles)
    values = cache.get(key)
    if values is None:
        disciplines = (
            profiles.exclude(discipline="").order_by("discipline").values_list("discipline", flat=True).distinct()
        )
        countries = profiles.exclude(country="").order_by().values_list("country", flat=True).distinct()
        spoken = profiles.exclude(languages="").order_by().values_list("languages", flat=True).distinct()
        values = {
            "disciplines": list(disciplines),
            "countries": set(countries),
            "languages": sorted(
                {part.strip().title() for value in spoken for part in value.split(",") if part.strip()}
            ),
        }
        cache.set(key, values, DIRECTORY_CHOICES_SECONDS)
    return values
