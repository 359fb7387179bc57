"""Create the provider's database, users and clients (run once per test session, before the
server starts): `python -m tests.sso.provider.setup` with the environment of settings.py."""

import json
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sso.provider.settings")
    django.setup()
    # Django's settings and models exist only after setup(): imported here, on purpose.
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth.models import User  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415
    from oauth2_provider.models import Application  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    for username, user in json.loads((settings.IDP_DIR / "users.json").read_text()).items():
        User.objects.create_user(username=username, password=user["password"], email=user["claims"].get("email", ""))
    for client_id, client in json.loads((settings.IDP_DIR / "clients.json").read_text()).items():
        Application.objects.create(
            name=client_id,
            client_id=client_id,
            client_secret=client["secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )


if __name__ == "__main__":
    main()
