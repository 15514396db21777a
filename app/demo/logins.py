"""The demo logins, read from `data/logins.toml` alone.

The login page lists them in demo mode; this module is kept apart from the rest of the demo so
that serving that page loads neither the story nor the code that seeds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from app.demo.datafile import read

DEMO_PASSWORD = "tandem-demo"


@dataclass(frozen=True)
class DemoLogin:
    """A demo user to sign in as, printed by `tandem demo`."""

    email: str
    password: str
    label: str


def demo_logins() -> list[DemoLogin]:
    """The demo users to sign in as (the login page lists them in demo mode)."""
    return list(demo_logins_by_handle().values())


@cache
def demo_logins_by_handle() -> Mapping[str, DemoLogin]:
    """The demo logins by the handle of the person they sign in as, in file order."""
    data = read("logins.toml")
    logins: dict[str, DemoLogin] = {}
    labels: set[str] = set()
    for entry in data.tables("login"):
        handle, label = entry.text("handle"), entry.text("label")
        if handle in logins:
            raise entry.error(f"{handle!r} has two logins")
        if label in labels:
            raise entry.error(f"two logins are labelled {label!r}")
        labels.add(label)
        logins[handle] = DemoLogin(entry.text("email"), DEMO_PASSWORD, label)
        entry.close()
    data.close()
    return MappingProxyType(logins)
