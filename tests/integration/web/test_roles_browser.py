"""Every role signs in to its own work, in Debian's Chromium against a real ``msix serve``, at desktop
and phone sizes: the landing page is the role's home and answers 200, and every link in the header
and on the page answers 200 (no link a role may not follow). A refused page offers the home.

Screenshots of each role's home: test-artifacts/screenshots/role-*.png; with
MSIX_DOCS_SCREENSHOTS=1 also docs/screenshots/ROLE-SIZE.png (shown in docs/staff.md), reduced to a
small palette so they stay a few kilobytes each.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.integration.conftest import Hub
from tests.integration.web.browsing import SIZES, no_sideways_scroll, serve
from tests.integration.web.conftest import PASSWORD, add_user, screenshots_dir

pytestmark = pytest.mark.integration
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

# One person a role (carmen, rita, sam, root come with Ana's hub; the others are added here). The
# data admin has a state: a data admin with a state was offered its move notices, then refused.
PEOPLE = {
    "counselor": ("carmen", "FL", "/search"),
    "registrar": ("rita", "TX", "/search"),
    "recruiter": ("rosa", "CA", "/search"),
    "mep_specialist": ("mateo", "TX", "/search"),
    "data_admin": ("dax", "TX", "/worklist"),
    "state_data_manager": ("sam", "FL", "/dashboard/FL"),
    "admin": ("root", "", "/admin"),
    "federal": ("olga", "", "/counts"),
    "user_admin": ("ursula", "TX", "/accounts"),
}
ADDED = ("recruiter", "mep_specialist", "data_admin", "federal", "user_admin")


@pytest.fixture(scope="module")
def server(ana_hub: Hub) -> Iterator[str]:
    for role in ADDED:
        name, state, _ = PEOPLE[role]
        done = add_user(ana_hub, name, role, state)
        assert done.returncode == 0, done.stderr
    yield from serve(ana_hub)


def sign_in(page: Page, server: str, name: str, next_: str = "") -> None:
    page.goto("/login" + (f"?next={next_}" if next_ else ""))
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def links_answer_200(context: BrowserContext, page: Page) -> list[str]:
    """Every same-site link of the page (header included) and its answer, with the person's session."""
    hrefs = page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs, "no link on the page"
    wrong = []
    for href in sorted(set(hrefs)):
        answer = context.request.get(href)
        if answer.status != 200:
            wrong.append(f"{href}: {answer.status}")
    return wrong


def keep_shot(page: Page, role: str, size: str) -> None:
    """The viewport (what a person sees first), in a 48-colour palette: small enough for the docs."""
    raw = screenshots_dir() / f"role-{role}-{size}.png"
    page.screenshot(path=str(raw))
    if os.environ.get("MSIX_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        with Image.open(raw) as image:
            small = image.convert("RGB")
            if size == "phone":  # taken at twice the density: halved, it is the phone's own 390 px
                small = small.resize((small.width // 2, small.height // 2), Image.Resampling.LANCZOS)
            small.quantize(48).save(DOCS / f"{role}-{size}.png", optimize=True)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("role", list(PEOPLE))
def test_each_role_signs_in_to_its_home_and_every_link_answers(
    browser: Browser, server: str, role: str, size: str
) -> None:
    name, _, home = PEOPLE[role]
    context = browser.new_context(base_url=server, **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server, name)
    expect(page).to_have_url(server + home)
    answer = page.reload()
    assert answer is not None and answer.status == 200
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link").first).to_be_visible()
    assert links_answer_200(context, page) == []
    no_sideways_scroll(page)
    keep_shot(page, role, size)
    context.close()


def test_next_is_followed_only_where_the_role_may_go(browser: Browser, server: str) -> None:
    context = browser.new_context(base_url=server, **SIZES["desktop"])  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server, "sam", "/search")  # a state data manager may not search: their dashboard
    expect(page).to_have_url(server + "/dashboard/FL")
    context.clear_cookies()
    sign_in(page, server, "carmen", "/notices?state=FL")
    expect(page).to_have_url(server + "/notices?state=FL")
    context.close()


@pytest.mark.parametrize(("role", "refused"), [("state_data_manager", "/search"), ("data_admin", "/notices")])
def test_a_refusal_offers_the_home_and_no_link_that_answers_403(
    browser: Browser, server: str, role: str, refused: str
) -> None:
    name, _, home = PEOPLE[role]
    context = browser.new_context(base_url=server, **SIZES["phone"])  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server, name)
    answer = page.goto(refused)
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("main").get_by_role("link")).to_have_attribute("href", home)
    assert links_answer_200(context, page) == []
    context.close()
