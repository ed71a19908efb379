"""Every operation of the API fuzzed from its own OpenAPI document (schemathesis): valid and
invalid paths, queries, headers and bodies, sent in-process to the WSGI application, first
anonymously, then with a town cadre's API token (reads of the town, and writes that land in
the throw-away test database). Any 5xx fails, and so does an answer the document does not
describe: an undeclared status code, another content type, a body off its schema.

Bounded to fit `make test`: a fixed set of a few examples per operation (the same every run, so
that a failure is a change, not luck), no deadline (the machine is shared), no example database.
`ZHILI_FUZZ_EXAMPLES=200 ZHILI_FUZZ_RANDOM=1 pytest tests/test_api_fuzz.py` digs further."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import OTHER_TOWN, OWN_TOWN, OWN_VILLAGE, make_city, make_hub, make_user
from zhili.config.api import api
from zhili.config.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("ZHILI_FUZZ_EXAMPLES", "10"))
RANDOM = os.environ.get("ZHILI_FUZZ_RANDOM") == "1"

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application
pytestmark = pytest.mark.fuzz

# Random codes and ids mostly miss: half the time a path takes one that exists, in the cadre's
# town and out of it, so that the reads and writes behind the 404 are fuzzed too.
KNOWN = {"code": [OWN_TOWN, OWN_VILLAGE, OTHER_TOWN], "unit_code": [OWN_TOWN, OWN_VILLAGE, OTHER_TOWN]}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    known = {name: KNOWN[name] for name in path_parameters or () if name in KNOWN}
    if not known:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {name: st.sampled_from([path_parameters[name], *known[name]]) for name in known}
    ).map(lambda chosen: {**path_parameters, **chosen})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The small city, the hub's catalogue and a town cadre, made once for the module's 126 tests
    (each test's own writes are rolled back after it) and rolled back at the end."""
    from zhili.org.roles import Role

    with django_db_blocker.unblock(), transaction.atomic():
        city = make_city()
        make_hub(city)
        yield {"town_cadre": make_user("fuzz_cadre", Role.TOWN_CADRE, OWN_TOWN)}
        transaction.set_rollback(True)


@pytest.fixture
def web_requests(world, db):
    """Requests through the WSGI handler keep the test's connection, as Django's test client does:
    closing it after each request would end the transaction the test database lives in."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class Caller:
    """Nobody, or a town cadre with an API token. The fuzzer may revoke the token itself
    (DELETE /auth/tokens/{id}); then a new one is made and the run goes on as the cadre."""

    def __init__(self, user=None):
        self.user, self.token, self.key = user, None, ""

    def headers(self) -> dict[str, str]:
        from zhili.org.models import ApiToken
        from zhili.org.services import create_token

        if self.user is None:
            return {}
        if self.token is None or not ApiToken.objects.filter(pk=self.token.pk).exists():
            self.token, self.key = create_token(actor=self.user, name="fuzz", days=1)
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture(params=["anonymous", "town_cadre"])
def caller(request, world, web_requests):
    return Caller(world.get(request.param))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_request_as_documented(case, caller):
    case.call_and_validate(headers=caller.headers(), checks=CHECKS)
