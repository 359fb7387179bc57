"""Data for the CI production run (.ci/production), fed to `manage.py shell` as the cop user.

Everything is written through the services a member's clicks call: a coordinator with a
profile photo who starts a public community and a thread, and a member who joins it and adds a
library file. It prints one line, `FIXTURE {json}`, with what the checks ask nginx for: the
photo's URL, the download URL and the internal path behind it, the file's exact bytes, and a
signed-in session of the member (a session made here, not through the login form, so that the
download and reply checks do not depend on the sign-in rate limits checked separately).
"""

import base64
import io
import json
import os

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from communities.services import community_create, membership_join
from discussions.services.posting import thread_create
from members.mailing import preferences_save
from members.models import User
from members.services import avatar_set
from resources.services import resource_create

PASSWORD = os.environ.get("CI_MEMBER_PASSWORD", "correct horse battery staple 7")


def member(username: str) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@ci.example.org", password=PASSWORD)
    # A confirmed address, as after following the sign-up email: such members may sign in.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 90)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


coordinator = member("prod-coordinator")
reader = member("prod-member")
avatar_set(actor=coordinator, user=coordinator, upload=png())
coordinator.refresh_from_db()
# Replies by email at once: the reply check waits for this member's email from the worker.
preferences_save(actor=coordinator, user=coordinator, replies="immediate")

community = community_create(
    actor=coordinator,
    name="Field Notes CI",
    slug="field-notes-ci",
    domain="Measuring rivers and wells in the field.",
    audience="Hydrologists and field technicians.",
)
membership_join(actor=reader, community=community)
thread = thread_create(
    actor=coordinator, community=community, title="Which gauges do you trust?", body="Tell us what you use."
)

# UTF-8 text with a byte-order-free mix of scripts: the download must return these bytes exactly.
content = "site,reading,note\nKisumu,12.5,étiage\nTurkana,3.0,水位\n".encode() * 50
upload = SimpleUploadedFile("gauges.csv", content, content_type="text/csv")
resource = resource_create(actor=reader, community=community, kind="file", title="Gauge readings", upload=upload)
version = resource.current_version

client = Client()
client.force_login(reader)
session = client.cookies[settings.SESSION_COOKIE_NAME].value

print(
    "FIXTURE "
    + json.dumps(
        {
            "avatar_url": coordinator.avatar.url,
            "avatar_path": coordinator.avatar.path,
            "download_url": reverse(
                "resources:download", kwargs={"community_slug": community.slug, "resource_id": resource.pk}
            ),
            "internal_path": f"{settings.RESOURCE_X_ACCEL_PREFIX}{version.file.name}",
            "file_path": version.file.path,
            "file_b64": base64.b64encode(content).decode(),
            "thread_url": thread.get_absolute_url(),
            "reply_url": reverse(
                "discussions:reply", kwargs={"community_slug": community.slug, "thread_id": thread.pk}
            ),
            "coordinator_email": coordinator.email,
            "member_email": reader.email,
            "password": PASSWORD,
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "session": session,
        }
    )
)
