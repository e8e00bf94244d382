"""Identity matching end to end on the real Kafka and PostgreSQL: automatic links, the near-match
worklist (confirm, reject), merges and splits validated by a second data admin, aliases, events."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from consumers.topic_reader import read_topic
from hub.store import db, identity_explain
from tests.integration.conftest import Hub, jsonl
from tests.integration.submissions import enrollment_row, student_row, submission


def identity_events(hub: Hub) -> list[dict[str, Any]]:
    return list(read_topic(hub.settings.kafka, hub.topics.identity, "peek-identity", "event_id", True, True))


def rows(hub: Hub, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(hub.settings.database.libpq_url) as conn:
        return conn.execute(sql, args).fetchall()


def msix_of(hub: Hub, state: str, ssid: str) -> str:
    return json.loads(hub.msix("student", "find", "--state", state, "--state-id", ssid, "--json").stdout)["msix_id"]


def three_states(hub: Hub) -> None:
    """Texas reports José; Florida the same child (joined surnames, day and month swapped): linked
    automatically. Michigan reports a José Ramirez born a day later, paternal surname only, nothing
    else: a near match. Washington reports his brother: a child of his own."""
    tx = submission(
        hub.root,
        "tx",
        "TX",
        "2025-09-15T10:00:00Z",
        students=[student_row("TX-1", birth="2010-03-04", parent1_first_name="Juan", move_to_state="MI")],
        enrollments=[enrollment_row("TX-1", "TX-E1", "2025-08-20")],
    )
    fl = submission(
        hub.root,
        "fl",
        "FL",
        "2025-09-20T10:00:00Z",
        students=[
            student_row("FL-1", first="JOSE", last1="RAMIREZ LOPEZ", last2="", birth="2010-04-03")
            | {"parent1_first_name": "JUAN"}
        ],
        enrollments=[enrollment_row("FL-1", "FL-E1", "2025-09-01", city="Immokalee")],
    )
    mi = submission(
        hub.root,
        "mi",
        "MI",
        "2025-10-20T10:00:00Z",
        students=[student_row("MI-1", first="Jose", last1="Ramirez", last2="", birth="2010-03-05")],
        enrollments=[enrollment_row("MI-1", "MI-E1", "2025-10-06", city="Holland")],
    )
    wa = submission(
        hub.root,
        "wa",
        "WA",
        "2025-10-21T10:00:00Z",
        students=[student_row("WA-1", first="Luis", birth="2012-11-23", parent1_first_name="Juan")],
    )
    for state, folder in (("TX", tx), ("FL", fl), ("MI", mi), ("WA", wa)):
        hub.msix("publish", "--state", state, "--format", "mde", str(folder))
        hub.msix("worker", "--until-idle")  # one at a time: each state meets the ones before


def test_automatic_link_near_match_confirm_and_validated_merge(hub: Hub) -> None:
    three_states(hub)
    jose, mi_child, luis = msix_of(hub, "TX", "TX-1"), msix_of(hub, "MI", "MI-1"), msix_of(hub, "WA", "WA-1")
    assert msix_of(hub, "FL", "FL-1") == jose  # linked automatically
    assert len({jose, mi_child, luis}) == 3
    with db.engine(hub.settings.database).begin() as conn:
        why = identity_explain.for_child(conn, jose)
    fl = next(link for link in why["links"] if link["state"] == "FL")
    assert fl["kind"] == "linked" and fl["model_version"] == 0 and fl["score"] >= 14  # the hand-set prior decided
    assert any(f["field"] == "first name" and f["agreed"] and f["weight"] > 0 for f in fl["fields"])
    assert [n["provisional_msix_id"] for n in why["near_matches"]] == [mi_child]

    items = jsonl(hub.msix("worklist", "list", "--json").stdout)
    assert [(i["msix_id"], i["state"], i["candidates"]) for i in items] == [(mi_child, "MI", [jose])]
    item = json.loads(hub.msix("worklist", "show", str(items[0]["item_id"]), "--json").stdout)
    assert item["incoming"][0]["state_student_id"] == "MI-1"
    assert {i["state"] for i in item["candidates"][0]["identities"]} == {"TX", "FL"}
    assert any(r.startswith("birth date: digit") for r in item["candidates"][0]["reasons"])
    explained = item["candidates"][0]["explanation"]
    assert explained["model_version"] == 0 and explained["score"] == item["candidates"][0]["score"]
    assert {"field": "birth date", "level": "digit"}.items() <= next(
        f for f in explained["fields"] if f["field"] == "birth date"
    ).items()
    assert "worklist" not in hub.msix("worklist", "show", str(items[0]["item_id"])).stderr  # the table renders

    request = json.loads(hub.msix("worklist", "confirm", str(item["item_id"]), "--as", "alice").stdout)
    same_person = hub.msix("worklist", "validate", str(request["request_id"]), "--as", "alice", check=False)
    assert same_person.returncode == 2 and "another data admin" in same_person.stderr
    assert "Traceback" not in same_person.stderr
    assert msix_of(hub, "MI", "MI-1") == mi_child  # nothing happens before validation

    done = json.loads(hub.msix("worklist", "validate", str(request["request_id"]), "--as", "bob").stdout)
    assert done["master"] == jose and done["merged"] == [mi_child]
    hub.msix("worker", "--until-idle")  # relays the outbox

    record = json.loads(hub.msix("student", "show", mi_child, "--json").stdout)  # the alias resolves
    assert record["msix_id"] == jose
    assert {s["state"] for s in record["state_ids"]} == {"TX", "FL", "MI"}
    assert {e["enrollment_id"] for e in record["enrollments"]} == {"TX-E1", "FL-E1", "MI-E1"}  # nothing lost
    assert jsonl(hub.msix("worklist", "list", "--json").stdout) == []
    assert rows(hub, "SELECT status, closed_by FROM worklist_item") == [("confirmed", "bob")]
    again = hub.msix("worklist", "validate", str(request["request_id"]), "--as", "carol", check=False)
    assert again.returncode == 2 and "done" in again.stderr

    events = identity_events(hub)
    kinds = sorted((e["kind"], e["state"]) for e in events if e["kind"] in ("created", "linked"))
    assert kinds == [("created", "MI"), ("created", "TX"), ("created", "WA"), ("linked", "FL")]
    merged = [e for e in events if e["kind"] == "merged"]
    assert [(e["msix_id"], e["other_msix_id"]) for e in merged] == [(jose, mi_child)]
    assert "validated by bob" in merged[0]["reason"]
    history = [(h[0], h[1]) for h in rows(hub, "SELECT actor, action FROM identity_history ORDER BY entry_id")]
    assert history == [("alice", "requested merge"), ("bob", "validated merge")]


def test_reject_user_merge_rekeys_notices_and_split(hub: Hub, monkeypatch) -> None:
    three_states(hub)
    jose, mi_child, luis = msix_of(hub, "TX", "TX-1"), msix_of(hub, "MI", "MI-1"), msix_of(hub, "WA", "WA-1")
    [item] = jsonl(hub.msix("worklist", "list", "--json").stdout)
    assert not item["escalated"]
    monkeypatch.setenv("MSIX_IDENTITY_ESCALATE_AFTER_HOURS", "0.00001")  # an item not acted on for 36 ms
    [item] = jsonl(hub.msix("worklist", "list", "--json").stdout)
    assert item["escalated"]
    assert rows(hub, "SELECT actor, action FROM identity_history") == [("hub", "escalated")]
    monkeypatch.delenv("MSIX_IDENTITY_ESCALATE_AFTER_HOURS")
    item_id = item["item_id"]
    hub.msix("worklist", "reject", str(item_id), "--as", "alice")
    assert jsonl(hub.msix("worklist", "list", "--json").stdout) == []
    assert jsonl(hub.msix("worklist", "list", "--status", "rejected", "--json").stdout)[0]["item_id"] == item_id
    assert hub.msix("worklist", "confirm", str(item_id), "--as", "bob", check=False).returncode == 2

    # José's notices (Texas reported him leaving for Michigan; he arrived in Florida) are his. Merge
    # José INTO the Michigan record (a data admin may choose either as the master): they follow.
    assert rows(hub, "SELECT msix_id, kind FROM move_notice ORDER BY kind") == [(jose, "arrival"), (jose, "departure")]
    req = json.loads(hub.msix("worklist", "merge", mi_child, jose, "--as", "alice").stdout)["request_id"]
    hub.msix("worklist", "validate", str(req), "--as", "bob")
    assert rows(hub, "SELECT DISTINCT msix_id FROM move_notice") == [(mi_child,)]
    assert msix_of(hub, "TX", "TX-1") == mi_child
    assert json.loads(hub.msix("student", "show", jose, "--json").stdout)["msix_id"] == mi_child

    # Florida's record was not José's after all: split it off to a new id.
    req = json.loads(hub.msix("worklist", "split", mi_child, "--state", "FL", "--as", "bob").stdout)["request_id"]
    outcome = json.loads(hub.msix("worklist", "validate", str(req), "--as", "alice").stdout)
    fl_child = outcome["new_msix_id"]
    assert msix_of(hub, "FL", "FL-1") == fl_child not in (jose, mi_child, luis)
    florida = json.loads(hub.msix("student", "show", fl_child, "--json").stdout)
    assert [e["enrollment_id"] for e in florida["enrollments"]] == ["FL-E1"]
    rest = json.loads(hub.msix("student", "show", mi_child, "--json").stdout)
    assert {s["state"] for s in rest["state_ids"]} == {"TX", "MI"}
    bad = hub.msix("worklist", "split", luis, "--state", "WA", "--as", "bob", check=False)
    assert bad.returncode == 2 and "nothing to split" in bad.stderr

    hub.msix("worker", "--until-idle")
    events = [e for e in identity_events(hub) if e["kind"] in ("merged", "split")]
    assert [(e["kind"], e["msix_id"], e["other_msix_id"], e["state"]) for e in events] == [
        ("merged", mi_child, jose, None),
        ("split", fl_child, mi_child, "FL"),
    ]


def test_twins_with_other_first_names_stay_two_children(hub: Hub) -> None:
    twins = [
        student_row("TX-1", first="Ana", birth="2014-06-01", sex="F", multiple_birth="Y"),
        student_row("TX-2", first="Sofía", birth="2014-06-01", sex="F", multiple_birth="Y"),
    ]
    again = [
        student_row("CA-1", first="Ana", birth="2014-06-01", sex="F", multiple_birth="Y"),
        student_row("CA-2", first="Sofia", birth="2014-06-01", sex="F", multiple_birth="N"),
    ]
    hub.msix("publish", "--state", "TX", str(submission(hub.root, "tx", "TX", "2025-09-15T10:00:00Z", students=twins)))
    hub.msix("worker", "--until-idle")
    hub.msix("publish", "--state", "CA", str(submission(hub.root, "ca", "CA", "2025-09-16T10:00:00Z", students=again)))
    hub.msix("worker", "--until-idle")
    assert msix_of(hub, "CA", "CA-1") == msix_of(hub, "TX", "TX-1")
    assert msix_of(hub, "CA", "CA-2") == msix_of(hub, "TX", "TX-2")
    assert msix_of(hub, "TX", "TX-1") != msix_of(hub, "TX", "TX-2")
