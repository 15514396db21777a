"""Files in the composer and on the cards, in Chromium: pick, upload with progress, post,
see the thumbnail and the document row, download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.files import samples


def test_attach_a_pdf_and_a_png_post_and_download(tab: Any, screenshot_dir: Path) -> None:
    session = tab("kim")
    page = session.page
    page.goto("/")
    pdf = samples.pdf("Battle card")
    page.locator("[data-attach-input]").set_input_files(
        [
            {"name": "battle-card.pdf", "mimeType": "application/pdf", "buffer": pdf},
            {"name": "whiteboard.png", "mimeType": "image/png", "buffer": samples.png(960, 640)},
        ]
    )
    uploads = page.locator(".upload--done")
    uploads.nth(1).wait_for()
    assert uploads.count() == 2
    assert page.locator(".upload__preview").count() == 1  # the image's preview
    assert page.get_by_role("button", name="Post", exact=True).is_enabled()
    page.get_by_label("What did you learn?").fill("The new battle card and the whiteboard")
    page.screenshot(path=str(screenshot_dir / "composer-attachments-1280.png"))
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_load_state()

    card = page.locator("article", has_text="The new battle card")
    thumbnail = card.locator(".attachment--image img")
    thumbnail.wait_for()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.naturalWidth") == 480
    assert thumbnail.get_attribute("alt") == "whiteboard.png"
    row = card.locator(".attachment--file")
    assert row.locator(".attachment__type").inner_text() == "PDF"
    assert row.locator(".attachment__name").inner_text() == "battle-card.pdf"
    card.screenshot(path=str(screenshot_dir / "card-attachments-1280.png"))

    with page.expect_download() as download:
        row.get_by_role("link").click()
    assert download.value.suggested_filename == "battle-card.pdf"
    assert Path(download.value.path()).read_bytes() == pdf

    # The post page shows them too; a phone shows them without overflow.
    card.get_by_role("link", name="just now").click()
    page.wait_for_url("**/posts/*")
    assert page.locator(".attachment--image img").count() == 1
    phone = tab("kim", width=375).page
    phone.goto(page.url)
    phone.locator(".attachment--file").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(screenshot_dir / "post-attachments-375.png"), full_page=True)
    assert session.csp_violations() == []
    assert session.dialogs == []


def test_a_refused_file_says_why_and_is_not_posted(tab: Any) -> None:
    session = tab("kim")
    page = session.page
    page.goto("/")
    page.locator("[data-attach-input]").set_input_files(
        [{"name": "report.pdf", "mimeType": "application/pdf", "buffer": samples.ELF}]
    )
    failed = page.locator(".upload--failed")
    failed.wait_for()
    assert "content is" in failed.locator(".upload__error").inner_text()
    assert page.locator("input[name=attachments]").count() == 0
    failed.get_by_role("button", name="Remove report.pdf").click()
    assert page.locator(".upload").count() == 0
