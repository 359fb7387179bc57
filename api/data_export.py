"""The API's section of a member's data export: their personal access tokens. Registered in
ApiConfig.ready() (members.data_export.registry).

A token is exported by what its owner sees on /settings/api-tokens/ (name, scope, prefix and
dates), never its hash: the hash is what the site checks a token against, not the member's data.
"""

from django.utils.translation import gettext_lazy as _

from members.data_export.registry import ExportSection

from .models import AccessToken

CHUNK = 500


def api_tokens(user, archive):
    rows = AccessToken.objects.filter(user=user).order_by("created_at", "pk")
    for token in rows.iterator(chunk_size=CHUNK):
        yield {
            "name": token.name,
            "scope": token.scope,
            "prefix": token.prefix,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "expires_at": token.expires_at,
            "revoked_at": token.revoked_at,
        }


SECTIONS = (
    ExportSection(
        "api_tokens", _("the API access tokens you made (never the tokens themselves)"), api_tokens, order=80
    ),
)
