"""A member's copy of their data (GDPR articles 15 and 20): /settings/export/ and /admin/.

- registry.py: what goes in an archive. Members sits below the apps that hold most of a
  member's footprint, so each app registers its own sections from its AppConfig.ready().
- archive.py: writes the zip (one JSON file per section, plus the member's files).
- sections.py: members' own sections (profile, notifications, email).
- lifecycle.py: building, expiring and recovering exports (run by members.tasks).
- requests.py: asking for an export and fetching one for download (the pages and /admin/).
"""
