"""Claims for the loopback provider's users, and the spoiled ID tokens some clients get.

users.json gives each user's claims (email, email_verified, name); clients.json says, per client
id, whether its ID tokens are issued for another audience ("audience") or already expired
("expired"), the two faults the platform must refuse.
"""

import json
import os
import time
from pathlib import Path

from oauth2_provider.oauth2_validators import OAuth2Validator


def _load(name: str) -> dict:
    return json.loads((Path(os.environ["IDP_DIR"]) / name).read_text())


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "email": "email",
        "email_verified": "email",
        "name": "profile",
        "preferred_username": "profile",
    }

    def get_additional_claims(self, request):
        claims = _load("users.json")[request.user.username]["claims"]
        return {"preferred_username": request.user.username, **claims}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        fault = _load("clients.json").get(request.client.client_id, {}).get("fault")
        if fault == "audience":
            claims["aud"] = "some-other-application"
        elif fault == "expired":
            claims["exp"] = int(time.time()) - 600
        return claims, expiration_time
