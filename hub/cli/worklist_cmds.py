"""``msix worklist``: near matches for data admins, and merges and splits validated by a second one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.common import print_json, settings, state_code
from hub.identity import admin
from hub.identity.explain import explain
from hub.store import db, identity_admin
from producers.topics import Topics

worklist_app = typer.Typer(
    help="Near matches for data admins; merges and splits, each validated by a second data admin.",
    no_args_is_help=True,
)

AS_OPT = typer.Option(..., "--as", help="The data admin acting (user name).")
JSON_OPT = typer.Option(False, "--json", help="Print JSON.")


def _now() -> datetime:
    return datetime.now(UTC)


@worklist_app.command("list")
def list_(
    status: str = typer.Option(admin.OPEN, help="open, confirmed or rejected."),
    limit: int = typer.Option(100, min=1),
    json_out: bool = JSON_OPT,
) -> None:
    """Near matches waiting for a data admin (escalated first), after escalating the overdue ones."""
    s = settings()
    with db.engine(s.database).begin() as conn:
        identity_admin.escalate(conn, _now(), timedelta(hours=s.identity.escalate_after_hours))
        items = identity_admin.list_items(conn, status, limit)
    if json_out:
        for item in items:
            print_json(item, lines=True)
        return
    table = Table("item", "provisional MSIX id", "state", "state id", "score", "created", "escalated", "candidates")
    for i in items:
        table.add_row(
            str(i["item_id"]),
            i["msix_id"],
            i["state"],
            i["state_student_id"],
            f"{i['score']:+.1f}",
            i["created_at"].strftime("%Y-%m-%d %H:%M"),
            "yes" if i["escalated"] else "",
            " ".join(i["candidates"]),
        )
    Console().print(table)


@worklist_app.command("show")
def show(item_id: int = typer.Argument(...), json_out: bool = JSON_OPT) -> None:
    """One near match: the new identity and each candidate's, side by side, with the score's reasons."""
    with db.engine(settings().database).begin() as conn:
        item = identity_admin.show_item(conn, item_id)
        item["history"] = identity_admin.history(conn, item_id=item_id)
    item["explanation"] = explain(item["reasons"], item["score"]).as_dict()
    for c in item["candidates"]:
        c["explanation"] = explain(c.get("reasons", []), c.get("score"), item["explanation"]["model_version"]).as_dict()
    if json_out:
        print_json(item)
        return
    _side_by_side(item)


def _side_by_side(item: dict[str, Any]) -> None:
    console = Console()
    console.print(
        f"item {item['item_id']} ({item['status']}): score {item['score']:+.1f}; " + "; ".join(item["reasons"])
    )
    table = Table("field", f"incoming {item['msix_id']}")
    columns = [item["incoming"][:1]]
    for c in item["candidates"]:
        table.add_column(f"candidate {c['msix_id']} ({c['score']:+.1f})")
        columns.append(c["identities"][:1])
    fields = [
        "state",
        "state_student_id",
        *(k for k in (item["incoming"] or [{}])[0] if k not in ("state", "state_student_id")),
    ]
    for f in fields:
        table.add_row(f, *(str(col[0].get(f, "")) if col else "" for col in columns))
    console.print(table)
    for c in item["candidates"]:
        console.print(_explained(c["msix_id"], c["explanation"]))


def _explained(msix_id: str, explanation: dict[str, Any]) -> Table:
    """Each field compared: agreed or not, its weight under the deciding model, the name-frequency part."""
    version = explanation["model_version"]
    title = f"candidate {msix_id}: score {explanation['score']:+.1f}" + (
        f", model v{version}" if version is not None else ""
    )
    table = Table("field", "level", "", "weight", "name frequency", title=title)
    for f in explanation["fields"]:
        tf = "" if f["tf"] is None else f"{f['tf']:+.1f}"
        table.add_row(f["field"], f["level"], "agrees" if f["agreed"] else "disagrees", f"{f['weight']:+.1f}", tf)
    return table


@worklist_app.command("confirm")
def confirm(
    item_id: int = typer.Argument(...),
    as_: str = AS_OPT,
    candidate: str = typer.Option("", "--candidate", help="The candidate's MSIX id (default: the best)."),
) -> None:
    """Confirm a near match: asks to merge the provisional child into the candidate (to be validated)."""
    with db.engine(settings().database).begin() as conn:
        request_id = identity_admin.confirm(conn, item_id, admin.actor(as_), _now(), candidate or None)
    print_json({"request_id": request_id, "status": admin.PENDING})


@worklist_app.command("reject")
def reject(item_id: int = typer.Argument(...), as_: str = AS_OPT) -> None:
    """Reject a near match: the provisional child stays a child of its own."""
    with db.engine(settings().database).begin() as conn:
        identity_admin.reject(conn, item_id, admin.actor(as_), _now())
    print_json({"item_id": item_id, "status": admin.REJECTED})


@worklist_app.command("merge")
def merge(
    master: str = typer.Argument(..., help="The MSIX id that stays."),
    others: list[str] = typer.Argument(..., help="The MSIX ids merged into it (they become aliases)."),
    as_: str = AS_OPT,
) -> None:
    """Ask to merge children into a master record (carried out when another data admin validates)."""
    with db.engine(settings().database).begin() as conn:
        request_id = identity_admin.request_merge(conn, master, others, admin.actor(as_), _now())
    print_json({"request_id": request_id, "status": admin.PENDING})


@worklist_app.command("split")
def split(
    msix_id: str = typer.Argument(...),
    state: str = typer.Option(..., "--state", callback=state_code, help="The state whose records move."),
    as_: str = AS_OPT,
) -> None:
    """Ask to move one state's records of a child to a new MSIX id (carried out when validated)."""
    with db.engine(settings().database).begin() as conn:
        request_id = identity_admin.request_split(conn, msix_id, state, admin.actor(as_), _now())
    print_json({"request_id": request_id, "status": admin.PENDING})


@worklist_app.command("validate")
def validate(request_id: int = typer.Argument(...), as_: str = AS_OPT) -> None:
    """Validate another data admin's merge or split: it is carried out now."""
    s = settings()
    with db.engine(s.database).begin() as conn:
        outcome = identity_admin.validate(conn, request_id, admin.actor(as_), _now(), Topics(s.kafka.topic_prefix))
    print_json({"request_id": request_id, "status": admin.DONE, **outcome})


@worklist_app.command("requests")
def requests(status: str = typer.Option(admin.PENDING, help="pending or done.")) -> None:
    """Merge and split requests, one JSON object a line."""
    with db.engine(settings().database).begin() as conn:
        for r in identity_admin.list_requests(conn, status):
            print_json(r, lines=True)
