"""The one visibility rule: who may see a post, an account, a group.

A post is visible to a viewer unless
  - it is in a private group the viewer is not a member of, or
  - it is tagged with a confidential account whose team (owner + members) the viewer is not
    on; admins see confidential accounts.
Accounts and groups follow the same rule: a confidential account is seen by its team and
admins, a private group by its members.

Files follow their posts: a file is visible exactly when a post that carries it is (before
it is attached, to its uploader only; `Viewer.file_clause`).

Every read path (REST, feeds, notifications, contributors, search, live fan-out, pages)
goes through this package: the rule in Python (`Viewer.can_see`), in SQL
(`Viewer.post_clause`, the prebuilt `VISIBLE_POST` and `HIDDEN_ACCOUNTS`,
`Viewer.file_clause`) and as search
deny keys (`search_deny_keys`). It sits above the models and below every service.
"""

from app.visibility.rule import (
    HIDDEN_ACCOUNTS,
    UNATTACHED_FILE,
    VISIBLE_POST,
    PostVisibility,
    Viewer,
)
from app.visibility.search import account_key, group_key, search_deny_keys
from app.visibility.viewers import (
    load_viewer,
    load_viewers,
    membership_columns,
    viewer_from_columns,
)

__all__ = [
    "HIDDEN_ACCOUNTS",
    "UNATTACHED_FILE",
    "VISIBLE_POST",
    "PostVisibility",
    "Viewer",
    "account_key",
    "group_key",
    "load_viewer",
    "load_viewers",
    "membership_columns",
    "search_deny_keys",
    "viewer_from_columns",
]
