"""Ana's story in real headless Chromium (Debian's, driven by Playwright), at desktop and phone
sizes, against a real ``msix serve``: sign in, search, read the record, check credits, download the
report in both languages. Screenshots are kept under test-artifacts/screenshots/."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from tests.integration.conftest import Hub
from tests.integration.web.browsing import SIZES, no_sideways_scroll, serve, shot
from tests.integration.web.conftest import PASSWORD, screenshots_dir

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(ana_hub: Hub) -> Iterator[str]:
    yield from serve(ana_hub)


@pytest.mark.parametrize("size", list(SIZES))
def test_ana_end_to_end(browser: Browser, server: str, size: str, tmp_path: Path) -> None:
    context = browser.new_context(base_url=server, accept_downloads=True, **SIZES[size])  # type: ignore[arg-type]
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))

    page.goto("/search")
    expect(page).to_have_url(f"{server}/login?next=/search")
    shot(page, size, "1-login")
    # By keyboard alone: the name field has the focus, Tab reaches the password, Enter signs in.
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("carmen")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/search")
    page.keyboard.press("Tab")  # on every other page the first stop is the skip link
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    page.get_by_label("Name, state student id or MSIX id").fill("ana garsia")
    page.get_by_role("button", name="Search").click()
    first = page.locator("ol.results li").first
    expect(first).to_contain_text("Ana García Hernández")
    expect(first).to_contain_text("CA, FL, TX")
    no_sideways_scroll(page)
    shot(page, size, "2-search")

    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana García Hernández")
    timeline = page.get_by_role("region", name="Enrollment timeline").first
    for school in ("Weslaco", "Salinas", "Immokalee"):
        expect(timeline).to_contain_text(school)
    expect(page.locator(".flags")).to_contain_text("English learner: yes")
    expect(page.locator(".flags")).to_contain_text("Medical alert: chronic")
    expect(page.get_by_role("heading", name="2023-2024")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, size, "3-record")

    for lang, title in (("en", "Consolidated Student Record Report"), ("es", "Informe del Expediente Consolidado")):
        label = "Report (English, PDF)" if lang == "en" else "Informe (español, PDF)"
        with page.expect_download() as download:
            page.get_by_role("link", name=label).click()
        saved = screenshots_dir() / f"{size}-report-{lang}.pdf"
        download.value.save_as(saved)
        text = " ".join(PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text().split())
        assert title in text and "García" in text

    page.get_by_role("link", name="Credits toward graduation").click()
    expect(page.locator("#verdict")).to_have_text("Graduates if the current courses are passed.")
    page.get_by_label("Requirements of state").select_option("TX")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#verdict")).to_contain_text("Does not graduate yet")
    page.get_by_label("Requirements of state").select_option("FL")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#verdict")).to_have_text("Graduates if the current courses are passed.")
    no_sideways_scroll(page)
    shot(page, size, "4-credits")

    page.get_by_role("link", name="Move notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move notices for FL")
    expect(page.get_by_role("region", name="Move notices")).to_contain_text("Ana")
    shot(page, size, "5-notices")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server}/login")
    assert requested and all(url.startswith(server) for url in requested), "a page loaded something from elsewhere"
    context.close()
