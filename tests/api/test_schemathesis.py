"""Schemathesis drives every operation of the live OpenAPI schema (loaded from /api/schema/ on
the WSGI app, with the real database) with generated requests, authenticated by a write
token of a member who coordinates a community with content, and checks that nothing answers
a server error and every response conforms to the schema (status, content type, body)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from discussions.services.posting import post_delete
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.events.factories import make_event
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, make_link

from .conftest import token_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def same_connection():
    """Keep the test's database connection open across requests, as Django's test client does
    (the WSGI handler otherwise closes it after each response, inside the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, settings, same_connection):
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    settings.API_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 100_000
    community = CommunityFactory(slug="water", tags=["dams"])
    caller = MembershipFactory(community=community, role="coordinator", user=UserFactory(username="sam")).user
    MembershipFactory(community=community, state="pending")
    thread = make_thread(community=community, author=caller, title="Sand dams", tags=["dams"])
    make_reply(thread=thread, author=caller, body="Depth matters")
    post_delete(actor=caller, post=make_reply(thread=thread, author=caller, body="Wrong thread"))  # text-less posts
    make_link(community=community, author=caller, title="WHO", url="https://who.int/")
    make_file_resource(community=community, author=caller)
    make_event(community=community, organiser=caller, title="Monthly call")
    return token_for(caller, "write")


# Loaded when the module is collected: serving the schema needs no database. (Schemathesis'
# lazy `from_fixture` loader does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.mark.django_db
@schema.parametrize()
@settings(
    # A few examples per operation keep this under a minute; raise it for a deeper run.
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema_and_never_fails(case, world):
    case.call_and_validate(headers={"Authorization": f"Bearer {world}"}, checks=CHECKS)
