"""The `tandem demo` data set: Northwind, a believable B2B software company.

Northwind sells a revenue forecasting and pricing analytics platform. Its ~40 people (sales,
marketing, customer success, product, leadership, operations) talk about ~25 customer
accounts over the last two months: call notes, campaigns, blog posts, win stories,
questions and collateral, with comments, reactions and follows. Its sales and marketing leads
signed a glossary (and argue about one term) and this quarter's service-level agreement.

The story is data (`data/*.toml`, loaded by `content`); `generator` plans who writes what and
when from a fixed random seed; `seeding` writes the plan through the domain services.
`logins` is the tiny part the login page needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.demo.logins import DEMO_PASSWORD, DemoLogin, demo_logins

if TYPE_CHECKING:
    from app.demo.seeding import seed

__all__ = ["DEMO_PASSWORD", "DemoLogin", "demo_logins", "seed"]


def __getattr__(name: str) -> Any:
    # Importing the package (as the login page does, through `logins`) must not load the
    # story, the generator and the services the seeding uses: `seed` loads on first use.
    if name == "seed":
        from app.demo.seeding import seed

        return seed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
