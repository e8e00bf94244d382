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


@pytest.fixture(scope="module")
def admin_headers(app: FastAPI) -> dict[str, str]:
    with TestClient(app) as client:
        answer = client.post("/api/token", data={"username": "root", "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case: schemathesis.Case, admin_headers: dict[str, str]) -> None:
    # As the admin, who may call every operation: answers are then 200, 404 or 422, never 500.
    case.call_and_validate(headers=admin_headers)


@pytest.fixture(scope="module")
def data_admin_headers(app: FastAPI) -> dict[str, str]:
    with TestClient(app) as client:
        answer = client.post("/api/token", data={"username": "dana", "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@schema.include(tag="worklist").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_worklist_api_answers_as_its_schema_says(case: schemathesis.Case, data_admin_headers: dict[str, str]) -> None:
    # The worklist operations are the data admins' alone: as one, answers are 200, 202, 404, 409 or 422.
    # Some schema-valid bodies are refused on purpose (a merge of the master with itself, a wrong check
    # digit, a split of a one-state child: rules a schema cannot say), so that one check is left out.
    case.call_and_validate(headers=data_admin_headers, excluded_checks=[positive_data_acceptance])
