"""The demo logins: cheap for the login page, and true to the demo's cast."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import app.demo
from app.demo import DEMO_PASSWORD, demo_logins
from app.demo.content import load
from app.demo.seeding import seed

HEAVY = ("app.demo.content", "app.demo.generator", "app.demo.seeding")


def test_the_web_app_and_its_login_page_load_only_the_logins() -> None:
    # A fresh interpreter: this one has long imported everything.
    code = textwrap.dedent(
        f"""
        import json, sys
        import app.main
        from app.demo.logins import demo_logins
        from app.auth import pages
        logins = demo_logins()
        print(json.dumps({{
            "logins": len(logins),
            "pages_use_them": pages.demo_logins is demo_logins,
            "loaded": [m for m in {HEAVY!r} if m in sys.modules],
        }}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(done.stdout)
    assert result == {"logins": len(demo_logins()), "pages_use_them": True, "loaded": []}


def test_seed_is_still_the_package_s_to_import() -> None:
    assert app.demo.seed is seed


def test_every_login_is_someone_in_the_cast() -> None:
    story = load()
    people = {p.handle: p for p in story.people}
    logins = demo_logins()
    assert 3 <= len(logins) <= 5
    assert {login.password for login in logins} == {DEMO_PASSWORD}
    assert list(story.logins.values()) == logins
    for handle, login in story.logins.items():
        assert people[handle].email == login.email
    admins = [h for h, login in story.logins.items() if login.label == "admin"]
    assert admins == [story.parts.admin]
