"""A property-based pass over the API from its own OpenAPI document (schemathesis): for any request
the schema allows, and for requests it does not, the server answers without a server error, with a
status code, content type and body its schema documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.auths import AuthContext
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hub.api.app import create_app
from hub.api.deps import AppState
from hub.config import DatabaseSettings, WebSettings
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.web.conftest import PASSWORD

pytestmark = pytest.mark.integration


# schemathesis reads the schema when the module is imported, before any fixture: the app is built
# here on a lazy engine (no connection is made), and `app` points it at this module's database.
# A generous login throttle: the generated calls to /api/token would otherwise lock the account.
APP = create_app(db.engine(DatabaseSettings()), WebSettings(cookie_secure=False, login_attempts=10_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def app(ana_hub: Hub) -> Iterator[FastAPI]:
    state: AppState = APP.state.hub
    unused, state.engine = state.engine, db.engine(ana_hub.settings.database)
    unused.dispose()
    yield APP


PENDING = "pending-sign-in-as-"


class _Token:
    """The API's credentials, registered with schemathesis as an auth provider: it then knows where
    valid authentication comes from, so its own negative-authentication cases (no header, a wrong
    one) are sent as generated instead of being overwritten with a valid token.

    schemathesis applies the provider while collecting (to its coverage cases), before this module's
    database exists; so the header names the account here, and ``signed_in`` puts a real token in
    its place just before the call."""

    username = ""

    def get(self, case: schemathesis.Case, ctx: AuthContext) -> str:
        return self.username

    def set(self, case: schemathesis.Case, data: str, ctx: AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {PENDING}{data}"}


class _Admin(_Token):
    username = "root"  # the admin may call every operation


class _DataAdmin(_Token):
    username = "dana"  # the worklist operations are the data admins' alone


@pytest.fixture(scope="module")
def tokens(app: FastAPI) -> dict[str, str]:
    with TestClient(app) as client:
        answers = {
            name: client.post("/api/token", data={"username": name, "password": PASSWORD}) for name in ("root", "dana")
        }
    return {name: answer.json()["access_token"] for name, answer in answers.items()}


def signed_in(case: schemathesis.Case, tokens: dict[str, str]) -> schemathesis.Case:
    value = (case.headers or {}).get("Authorization", "")
    if value.startswith(f"Bearer {PENDING}"):
        case.headers = {
            **(case.headers or {}),
            "Authorization": f"Bearer {tokens[value.removeprefix(f'Bearer {PENDING}')]}",
        }
    return case


@schema.auth(_Admin)
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case: schemathesis.Case, tokens: dict[str, str]) -> None:
    # As the admin: answers are then 200, 404 or 422, never 500.
    signed_in(case, tokens).call_and_validate()


@schema.auth(_DataAdmin)
@schema.include(tag="worklist").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_worklist_api_answers_as_its_schema_says(case: schemathesis.Case, tokens: dict[str, str]) -> None:
    # As a data admin: answers are 200, 202, 404, 409 or 422. Some schema-valid bodies are refused on
    # purpose (a merge of the master with itself, a wrong check digit, a split of a one-state child:
    # rules a schema cannot say), so that one check is left out.
    signed_in(case, tokens).call_and_validate(excluded_checks=[positive_data_acceptance])
