"""The value members get from a community, after Wenger, Trayner and de Laat (2011),
"Promoting and assessing value creation in communities and networks".

- `cycles`: the five cycles of value (immediate, potential, applied, realised, reframing).
- `models`: the coordinators' survey settings, the members' answers per period, and
  value-creation stories (a member's path through the cycles), imported by communities.models.
- `periods`: survey periods (monthly, quarterly, half-yearly) and their bounds.
- `sources`: a registry the content apps fill so a story can point to the thread or practice
  that helped (communities cannot import them).
- `services`: every write (settings, answers, stories) and the survey's planning and content.
- `panel`: the Value panel of the health page and the value-creation matrix (CSV).
"""
