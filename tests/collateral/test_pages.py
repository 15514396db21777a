"""Collateral pages: publishing an asset from the composer, the library and its to-do tab, the
verdict forms on an asset's page and on an account's Collateral tab."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.collateral.models import DealStage, Reason, Stage, Status, VerdictKind
from app.users.models import Department
from app.web.templating import COLLATERAL_LABELS
from tests.factories import api, make_account, make_post, make_user
from tests.pages_helpers import browse_as, page, submit, text_of


def test_every_value_has_a_label() -> None:
    for key, enum in (
        ("stages", Stage),
        ("statuses", Status),
        ("verdicts", VerdictKind),
        ("reasons", Reason),
        ("deal_stages", DealStage),
    ):
        assert set(COLLATERAL_LABELS[key]) == {m.value for m in enum}, key


async def test_an_asset_is_published_judged_and_flagged_through_the_pages(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    mia = await make_user(app, "mia", department=Department.marketing)
    reps = [await make_user(app, h) for h in ("sam", "lee", "kim")]
    await make_account(client, reps[0], "Acme", industry="Retail")
    browse_as(client, mia)
    composer = await page(client, "/")
    assert 'data-kind-fields="collateral"' in composer
    created = await submit(
        client,
        mia,
        "/posts",
        {
            "kind": "collateral",
            "title": "Retail ROI one-pager",
            "body": "What a store saves in year one.",
            "collateral_stage": "decision",
            "collateral_audience": "CFO, Store ops",
            "collateral_industries": "Retail",
        },
    )
    post_url = created.headers["location"]
    post_id = int(post_url.rsplit("/", 1)[1])
    shown = await api(client, mia, "GET", f"/api/v1/posts/{post_id}", 200)
    assert shown["collateral"]["audience"] == ["CFO", "Store ops"]
    markup = await page(client, post_url)
    assert 'data-collateral-panel="' in markup
    assert "It helped" in markup

    for rep, account in zip(reps, ("acme", "", ""), strict=True):
        browse_as(client, rep)
        data = {"verdict": "not_used", "reason": "missing_pricing", "account": account}
        if account:
            await submit(
                client, rep, f"/accounts/{account}/collateral", {"post_id": str(post_id), **data}
            )
        else:
            await submit(client, rep, f"/posts/{post_id}/verdicts", {**data, "note": "No prices"})
    tab = text_of(await page(client, "/accounts/acme/collateral"))
    assert "Retail ROI one-pager" in tab
    assert "Not used · missing pricing" in tab
    panel = text_of(await page(client, f"/posts/{post_id}/collateral"))
    assert "Needs revision: missing pricing" in panel
    assert "No prices" in panel

    browse_as(client, mia)
    todo = text_of(await page(client, "/collateral/attention"))
    assert "Needs revision 1" in " ".join(todo.split())
    assert "Retail ROI one-pager" in todo
    library = text_of(await page(client, "/collateral?industry=Retail&sort=score"))
    assert "Retail ROI one-pager" in library
    assert "Missing pricing \u00d73" in " ".join(library.split())
    notes = text_of(await page(client, "/notifications"))
    assert "your asset needs revision" in notes

    await submit(
        client,
        mia,
        f"/posts/{post_id}/edit",
        {
            "body": "Now with prices.",
            "title": "Retail ROI one-pager",
            "collateral_stage": "decision",
            "collateral_audience": "CFO",
            "collateral_industries": "Retail",
        },
    )
    browse_as(client, reps[1])
    assert "published a new version of an asset you judged" in text_of(
        await page(client, "/notifications")
    )


async def test_bad_verdict_forms_are_refused(client: httpx.AsyncClient, app: FastAPI) -> None:
    mia = await make_user(app, "mia", department=Department.marketing)
    sam = await make_user(app, "sam")
    asset = await make_post(
        client, mia, "Deck", kind="collateral", title="Deck", collateral={"stage": "awareness"}
    )
    plain = await make_post(client, mia, "Not an asset")
    browse_as(client, sam)
    await submit(client, sam, f"/posts/{asset['id']}/verdicts", {"verdict": "hurt"}, expect=422)
    await submit(client, sam, f"/posts/{plain['id']}/verdicts", {"verdict": "helped"}, expect=422)
    await submit(
        client,
        sam,
        "/accounts/nowhere/collateral",
        {"post_id": str(asset["id"]), "verdict": "helped"},
        expect=404,
    )
    listed = await api(client, sam, "GET", f"/api/v1/posts/{asset['id']}/verdicts", 200)
    assert listed["items"] == []
