"""The `tandem demo` data set: Northwind, a believable B2B software company.

Northwind sells a revenue forecasting and pricing analytics platform. Its ~40 people (sales,
marketing, customer success, product, leadership, operations) talk about ~25 customer
accounts over the last two months: call notes, campaigns, blog posts, win stories,
questions and collateral, with comments, reactions and follows.

The story is data (`data/*.toml`, loaded by `content`); `generator` plans who writes what and
when from a fixed random seed; `seeding` writes the plan through the domain services.
`logins` is the tiny part the login page needs.
"""

from app.demo.logins import DEMO_PASSWORD, DemoLogin, demo_logins
from app.demo.seeding import seed

__all__ = ["DEMO_PASSWORD", "DemoLogin", "demo_logins", "seed"]
