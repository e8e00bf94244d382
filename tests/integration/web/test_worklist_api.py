"""The identity worklist API (issue 3) on the real PostgreSQL, filled by the real pipeline with José's
states (tests/integration/test_identity.py): Texas and Florida linked automatically, Michigan a near
match, Washington his brother. Every endpoint, every 401/403/404/409/422 path, aliases resolving
through the record API, and the audit trail following merges and splits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.config import Settings, WebSettings
from hub.domain.msix_id import from_serial
from hub.store import db
from tests.integration.conftest import Hub
from tests.integration.test_identity import three_states
from tests.integration.web.conftest import module_hub
from tests.integration.web.test_api import token

pytestmark = pytest.mark.integration
UNKNOWN_ID = from_serial(99_999_999_999)  # a valid check digit, never issued


@pytest.fixture(scope="module")
def jose_hub(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    yield from module_hub(stack, tmp_path_factory, "jose", three_states)


@pytest.fixture(scope="module")
def client(jose_hub: Hub) -> Iterator[TestClient]:
    app = create_app(db.engine(jose_hub.settings.database), WebSettings(cookie_secure=False), jose_hub.settings)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def dana(client: TestClient) -> dict[str, str]:
    return token(client, "dana")


@pytest.fixture(scope="module")
def dara(client: TestClient) -> dict[str, str]:
    return token(client, "dara")


@pytest.fixture(scope="module")
def ids(jose_hub: Hub) -> dict[str, str]:
    def of(state: str, ssid: str) -> str:
        found = jose_hub.msix("student", "find", "--state", state, "--state-id", ssid, "--json").stdout
        return str(json.loads(found)["msix_id"])

    return {"jose": of("TX", "TX-1"), "mi": of("MI", "MI-1"), "luis": of("WA", "WA-1")}


def rows(hub: Hub, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        return conn.execute(sql, args).fetchall()


def audit(client: TestClient, msix_id: str) -> list[dict[str, Any]]:
    answer = client.get("/api/audit", params={"msix_id": msix_id}, headers=token(client, "root"))
    assert answer.status_code == 200
    return list(answer.json())


ENDPOINTS = [
    ("get", "/api/worklist", None),
    ("get", "/api/worklist/1", None),
    ("post", "/api/worklist/1/confirm", None),
    ("post", "/api/worklist/1/reject", None),
    ("post", "/api/identity/merge", {"master": UNKNOWN_ID, "others": [UNKNOWN_ID]}),
    ("post", "/api/identity/split", {"msix_id": UNKNOWN_ID, "state": "TX"}),
    ("get", "/api/identity/requests", None),
    ("post", "/api/identity/requests/1/validate", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_data_admins_only(client: TestClient, method: str, path: str, body: Any) -> None:
    assert client.request(method, path, json=body).status_code == 401
    forged = {"Authorization": "Bearer " + "x" * 43}
    assert client.request(method, path, json=body, headers=forged).status_code == 401
    for other in ("carmen", "sam", "root"):  # a counselor, a state data manager, even the admin
        answer = client.request(method, path, json=body, headers=token(client, other))
        assert answer.status_code == 403, (other, answer.text)


def test_unknown_items_requests_and_children_are_404(
    client: TestClient, dana: dict[str, str], ids: dict[str, str]
) -> None:
    for method, path in (
        ("get", "/api/worklist/999999"),
        ("post", "/api/worklist/999999/confirm"),
        ("post", "/api/worklist/999999/reject"),
        ("post", "/api/identity/requests/999999/validate"),
    ):
        answer = client.request(method, path, headers=dana)
        assert answer.status_code == 404 and "999999" in answer.json()["detail"], (path, answer.text)
    merge = client.post("/api/identity/merge", json={"master": ids["jose"], "others": [UNKNOWN_ID]}, headers=dana)
    assert merge.status_code == 404 and UNKNOWN_ID in merge.json()["detail"]
    split = client.post("/api/identity/split", json={"msix_id": UNKNOWN_ID, "state": "TX"}, headers=dana)
    assert split.status_code == 404


def test_bad_input_is_422(client: TestClient, dana: dict[str, str], ids: dict[str, str]) -> None:
    jose, luis = ids["jose"], ids["luis"]
    bad_digit = jose[:-1] + str((int(jose[-1]) + 1) % 10)
    for body in (
        {"master": "12345", "others": [luis]},  # not 12 digits
        {"master": jose, "others": []},  # nobody to merge
        {"master": jose},
        {"master": jose, "others": [bad_digit]},  # a wrong check digit: the service's own check
        {"master": jose, "others": [jose]},  # only the master
    ):
        assert client.post("/api/identity/merge", json=body, headers=dana).status_code == 422, body
    for body in ({"msix_id": jose, "state": "ZZ"}, {"msix_id": jose}, {"msix_id": luis, "state": "WA"},
                 {"msix_id": jose, "state": "WA"}):  # fmt: skip
        assert client.post("/api/identity/split", json=body, headers=dana).status_code == 422, body
    only_wa = client.post("/api/identity/split", json={"msix_id": luis, "state": "WA"}, headers=dana)
    assert "nothing to split" in only_wa.json()["detail"][0]["msg"]
    assert client.get("/api/worklist", params={"status": "closed"}, headers=dana).status_code == 422
    assert client.get("/api/worklist", params={"statuss": "open"}, headers=dana).status_code == 422
    assert client.get("/api/worklist/abc", headers=dana).status_code == 422
    assert client.get("/api/worklist/0", headers=dana).status_code == 422
    assert client.get("/api/identity/requests", params={"status": "x"}, headers=dana).status_code == 422
    assert client.post("/api/worklist/1/confirm", json={"candidate": "x"}, headers=dana).status_code == 422
    assert rows_requested(client) == 0  # nothing refused left a request behind


def rows_requested(client: TestClient) -> int:
    return len(client.get("/api/identity/requests", headers=token(client, "dana")).json())


def test_near_match_side_by_side_confirm_validate_and_alias(
    jose_hub: Hub, client: TestClient, dana: dict[str, str], dara: dict[str, str], ids: dict[str, str]
) -> None:
    jose, mi = ids["jose"], ids["mi"]
    carmen = token(client, "carmen")
    # A counselor reads the Michigan record before anyone decides: that row must follow the child.
    assert client.get(f"/api/students/{mi}", headers=carmen).json()["msix_id"] == mi

    [item] = client.get("/api/worklist", headers=dana).json()
    assert (item["msix_id"], item["state"], item["candidates"], item["escalated"]) == (mi, "MI", [jose], False)
    # The list shows both children (the new one and its candidate): each is audited.
    for child in (mi, jose):
        assert ("dana", "worklist", "list open") in {
            (a["username"], a["action"], a["detail"]) for a in audit(client, child)
        }
    assert client.get("/api/worklist", params={"escalated": "true"}, headers=dana).json() == []
    assert [i["item_id"] for i in client.get("/api/worklist", params={"escalated": "false"}, headers=dana).json()] == [
        item["item_id"]
    ]
    shown = client.get(f"/api/worklist/{item['item_id']}", headers=dana).json()
    assert shown["incoming"][0]["state_student_id"] == "MI-1" and shown["incoming"][0]["first_name"] == "JOSE"
    [candidate] = shown["candidates"]
    assert candidate["msix_id"] == jose and {i["state"] for i in candidate["identities"]} == {"TX", "FL"}
    assert any(r.startswith("birth date: digit") for r in candidate["reasons"])
    # The side-by-side view shows both children's data: audited like a record view, for each.
    for child in (mi, jose):
        assert any(
            (a["username"], a["action"], a["detail"]) == ("dana", "worklist", f"item {item['item_id']}")
            for a in audit(client, child)
        )

    wrong = client.post(f"/api/worklist/{item['item_id']}/confirm", json={"candidate": ids["luis"]}, headers=dana)
    assert wrong.status_code == 422 and "not a candidate" in wrong.json()["detail"][0]["msg"]
    asked = client.post(f"/api/worklist/{item['item_id']}/confirm", headers=dana)
    assert asked.status_code == 202
    request_id = asked.json()["request_id"]
    twice = client.post(f"/api/worklist/{item['item_id']}/confirm", headers=dara)
    assert twice.status_code == 409 and "waiting for validation" in twice.json()["detail"]
    [pending] = client.get("/api/identity/requests", headers=dara).json()
    assert (pending["request_id"], pending["requested_by"], pending["params"]) == (
        request_id, "dana", {"master": jose, "others": [mi]},
    )  # fmt: skip
    mine = client.post(f"/api/identity/requests/{request_id}/validate", headers=dana)
    assert mine.status_code == 409 and "another data admin" in mine.json()["detail"]
    assert client.get(f"/api/students/{mi}", headers=carmen).json()["msix_id"] == mi  # nothing happened yet

    done = client.post(f"/api/identity/requests/{request_id}/validate", headers=dara)
    assert done.status_code == 200, done.text
    assert done.json()["master"] == jose and done.json()["merged"] == [mi]
    again = client.post(f"/api/identity/requests/{request_id}/validate", headers=dana)
    assert again.status_code == 409 and "done" in again.json()["detail"]
    assert client.get("/api/worklist", headers=dana).json() == []
    [closed] = client.get("/api/worklist", params={"status": "confirmed"}, headers=dana).json()
    assert closed["item_id"] == item["item_id"]
    assert client.post(f"/api/worklist/{item['item_id']}/reject", headers=dana).status_code == 409
    history = client.get(f"/api/worklist/{item['item_id']}", headers=dana).json()["history"]
    assert [(h["actor"], h["action"]) for h in history] == [("dana", "requested merge"), ("dara", "validated merge")]
    [done_request] = client.get("/api/identity/requests", params={"status": "done"}, headers=dana).json()
    assert done_request["validated_by"] == "dara"

    # The Michigan id is an alias now: record, credits and report answer with José's record.
    record = client.get(f"/api/students/{mi}", headers=carmen).json()
    assert record["msix_id"] == jose and {s["state"] for s in record["state_ids"]} == {"TX", "FL", "MI"}
    assert client.get(f"/api/students/{mi}/credits", headers=carmen).json()["msix_id"] == jose
    report = client.get(f"/api/students/{mi}/report.pdf", headers=carmen)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    # The event went out through the outbox, naming the validator.
    assert rows(jose_hub, "SELECT kind, msix_id, other_msix_id FROM identity_event WHERE kind = 'merged'") == [
        ("merged", jose, mi)
    ]

    # The trail follows the child: asking by either id gives every row under both, the merge itself
    # included (once under each id), and reads through the alias are recorded under the master.
    trail = audit(client, mi)
    assert trail == audit(client, jose)
    by_id = {(a["msix_id"], a["action"], a["username"]) for a in trail}
    assert {(mi, "view", "carmen"), (mi, "merge", "dara"), (jose, "merge", "dara")} <= by_id
    assert (jose, "view", "carmen") in by_id and (jose, "report", "carmen") in by_id
    assert any(a["detail"] == f"api; asked for {mi}" for a in trail if a["action"] == "view")
    assert all(a["msix_id"] in (jose, mi) for a in trail)
    merged_row = next(a for a in trail if a["action"] == "merge")
    assert merged_row["detail"] == f"request {request_id} by dana: {mi} into {jose}"


def test_split_then_merge_back_by_request(
    jose_hub: Hub, client: TestClient, dana: dict[str, str], dara: dict[str, str], ids: dict[str, str]
) -> None:
    jose = ids["jose"]
    before = {a["id"] for a in audit(client, jose)}
    asked = client.post("/api/identity/split", json={"msix_id": jose, "state": "FL"}, headers=dara)
    assert asked.status_code == 202
    request_id = asked.json()["request_id"]
    assert client.post(f"/api/identity/requests/{request_id}/validate", headers=dara).status_code == 409
    done = client.post(f"/api/identity/requests/{request_id}/validate", headers=dana).json()
    florida = done["new_msix_id"]
    assert done["from"] == jose and done["state_ids_moved"] == [["FL", "FL-1"]]
    carmen = token(client, "carmen")
    assert {s["state"] for s in client.get(f"/api/students/{jose}", headers=carmen).json()["state_ids"]} == {"TX", "MI"}
    assert [s["state"] for s in client.get(f"/api/students/{florida}", headers=carmen).json()["state_ids"]] == ["FL"]

    # A split leaves past rows with the old id (which state's part a reader saw is not known); the
    # split itself is a row under both ids, naming the other.
    old_trail = audit(client, jose)
    assert before < {a["id"] for a in old_trail}
    new_trail = audit(client, florida)
    assert [(a["action"], a["username"]) for a in new_trail if a["action"] != "view"] == [("split", "dana")]
    assert new_trail[-1]["detail"] == f"request {request_id} by dara: FL records of {jose} to {florida}"
    assert any(a["action"] == "split" and a["msix_id"] == jose for a in old_trail)

    # And back again, as a user-initiated merge with the Florida id as the alias.
    asked = client.post("/api/identity/merge", json={"master": jose, "others": [florida, jose]}, headers=dana)
    assert asked.status_code == 202
    request_id = asked.json()["request_id"]
    done = client.post(f"/api/identity/requests/{request_id}/validate", headers=dara).json()
    assert done["merged"] == [florida]
    record = client.get(f"/api/students/{florida}", headers=carmen).json()
    assert record["msix_id"] == jose and {s["state"] for s in record["state_ids"]} == {"TX", "FL", "MI"}
    assert audit(client, florida) == audit(client, jose)
    # A merge of children that are already one is refused when validated.
    again = client.post("/api/identity/merge", json={"master": jose, "others": [ids["mi"]]}, headers=dana)
    assert again.status_code == 404  # the Michigan id names José now: no child of its own to merge
