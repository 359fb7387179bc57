"""The colour theme a visitor chose (system, light or dark), kept in a cookie.

The server renders the choice as `data-theme` on <html>, so the first paint already has the
right colours: no flash of the wrong theme and no inline script (the CSP forbids one). No
cookie, or a value we do not know, means "follow the system setting" (prefers-color-scheme).
"""

THEME_COOKIE = "cop_theme"
THEME_COOKIE_DAYS = 365
SYSTEM = "system"
THEMES = (SYSTEM, "light", "dark")


def theme_from(request) -> str:
    """The explicit theme for `data-theme`, or "" to follow the system setting."""
    value = request.COOKIES.get(THEME_COOKIE, "")
    return value if value in THEMES and value != SYSTEM else ""
