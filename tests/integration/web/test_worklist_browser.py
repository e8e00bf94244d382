"""The worklist pages in real headless Chromium, desktop and phone, against a real ``msix serve``
on José's states: one data admin opens the near match side by side and confirms it, a second one
validates the merge, and the Michigan id (an alias now) opens José's record. Then a split asked for
and validated the same way. Screenshots under test-artifacts/screenshots/ (worklist-*)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.config import Settings
from tests.integration.conftest import Hub
from tests.integration.test_identity import three_states
from tests.integration.web.browsing import SIZES, no_sideways_scroll, serve, shot
from tests.integration.web.conftest import PASSWORD, module_hub

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def jose_hub(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    yield from module_hub(stack, tmp_path_factory, "jose-browser", three_states)


@pytest.fixture(scope="module")
def server(jose_hub: Hub) -> Iterator[str]:
    yield from serve(jose_hub)


def msix_of(hub: Hub, state: str, ssid: str) -> str:
    return str(
        json.loads(hub.msix("student", "find", "--state", state, "--state-id", ssid, "--json").stdout)["msix_id"]
    )


def sign_in(page: Page, server: str, user: str, target: str) -> None:
    page.goto(target)
    expect(page).to_have_url(f"{server}/login?next={target}")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server}{target}")


def sign_out(page: Page, server: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server}/login")


def test_worklist_only_in_data_admins_navigation(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, **SIZES["desktop"])  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server, "carmen", "/search")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist")).to_have_count(0)
    answer = page.goto("/worklist")
    assert answer is not None and answer.status == 403
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_confirm_validate_then_split(browser: Browser, server: str, jose_hub: Hub, size: str) -> None:
    jose, mi = msix_of(jose_hub, "TX", "TX-1"), msix_of(jose_hub, "MI", "MI-1")
    context = browser.new_context(base_url=server, **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server, "dana", "/worklist")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist")).to_be_visible()
    if size == "desktop":
        # The near match: open it, read both sides and the reasons, confirm.
        table = page.get_by_role("region", name="1 open item")
        expect(table).to_contain_text(mi)
        expect(table).to_contain_text("MI MI-1")
        no_sideways_scroll(page)
        shot(page, size, "worklist-1-list")
        table.get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Worklist item")
        expect(page.get_by_role("region", name=f"New child, MSIX {mi}")).to_contain_text("JOSE")
        candidate = page.get_by_role("region", name=f"Candidate MSIX {jose}")
        expect(candidate).to_contain_text("birth date: digit")
        expect(candidate).to_contain_text("TX TX-1")
        expect(candidate).to_contain_text("FL FL-1")
        expect(page.get_by_role("radio", name=f"MSIX {jose}")).to_be_checked()
        no_sideways_scroll(page)
        shot(page, size, "worklist-2-item")
        page.get_by_role("button", name="Confirm: same child").click()
        expect(page.get_by_role("status")).to_contain_text("waits for a second data admin")
        page.get_by_role("link", name="Merges and splits").click()
        expect(page.get_by_role("region", name="Waiting for validation")).to_contain_text(
            "waiting for another data admin"
        )
    else:
        # On the phone: ask for a split of José's Florida records (his again after the desktop run).
        page.get_by_role("link", name="Merges and splits").click()
        page.get_by_label("MSIX id", exact=True).fill(jose)
        page.get_by_label("State whose records move to a new MSIX id").fill("fl")
        no_sideways_scroll(page)
        shot(page, size, "worklist-1-split-form")
        page.get_by_role("button", name="Ask for the split").click()
        expect(page.get_by_role("status")).to_contain_text("Split request")
    sign_out(page, server)

    # The second data admin validates; the first could not (no button for one's own request).
    sign_in(page, server, "dara", "/worklist/requests")
    pending = page.get_by_role("region", name="Waiting for validation")
    expect(pending).to_contain_text("merge" if size == "desktop" else "split FL records off")
    shot(page, size, "worklist-3-pending")
    pending.get_by_role("button", name="Validate").first.click()
    expect(page.get_by_role("status")).to_contain_text("done")
    no_sideways_scroll(page)
    shot(page, size, "worklist-4-validated")
    if size == "desktop":
        # The Michigan id is an alias now: its record page is José's, at José's id.
        page.goto(f"/students/{mi}")
        expect(page).to_have_url(f"{server}/students/{jose}")
        expect(page.locator(".meta").first).to_contain_text("MI MI-1")
        page.goto("/worklist?status=confirmed")
        expect(page.get_by_role("region", name="1 confirmed item")).to_contain_text(mi)
    else:
        assert msix_of(jose_hub, "FL", "FL-1") != jose  # Florida's record has an id of its own now
    sign_out(page, server)
    context.close()
