"""Which passwords may be set: none that is quick to guess, none made of its owner's names.

The strength estimate is zxcvbn's (the Python port of Dropbox's estimator): it knows the
30,000 most common passwords, English words, names, keyboard walks, dates and l33t
spellings, and scores a password 0-4 by the guesses it would take. The length rule (8-256)
stays in the request schemas.
"""

from __future__ import annotations

import asyncio
import re

from app.core.errors import Invalid

# zxcvbn's "safely unguessable" (at least 10^8 guesses): the login limits leave an attacker
# with many addresses a few guesses per address per window, and a leaked database gives an
# offline attacker Argon2id hashes; 3 is zxcvbn's level for that case. Every one of its
# 30,000 common passwords scores 0 or 1, and so do nearly all of their capitalized, l33t and
# "+1" or "+!" variants (one with this decade's year appended often passes: zxcvbn counts
# years from 2017).
MIN_SCORE = 3
# zxcvbn refuses longer input and its matching slows with the length; the first 72
# characters already decide whether a password is weak (what follows only adds guesses).
ESTIMATED_LENGTH = 72
# A shorter handle or email name is refused only as the whole password: inside a longer one
# it is as likely a coincidence ("al" in "totally") as a choice.
MIN_CONTAINED = 4
_PARTS = re.compile(r"[^\W_]+")


def weakness(password: str, *, email: str, handle: str, display_name: str = "") -> str | None:
    """Why `password` may not be set for this user, or None if it may."""
    lowered = password.casefold()
    local_part = email.rpartition("@")[0].casefold()
    for name, what in ((local_part, "the name of your email address"), (handle, "your handle")):
        name = name.casefold()
        if name and (lowered == name or (len(name) >= MIN_CONTAINED and name in lowered)):
            return f"The password must not contain {what}."
    # Imported here: its word lists cost a process about 14 MB, paid only where passwords
    # are set (sign-up, admin creation), not by every worker that only checks them.
    from zxcvbn import zxcvbn

    names = [local_part, handle, *_PARTS.findall(f"{local_part} {display_name}")]
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=names)
    if estimate["score"] >= MIN_SCORE:
        return None
    warning = estimate["feedback"]["warning"]
    return " ".join(
        [
            "The password is too easy to guess.",
            *([warning] if warning else []),
            "A few unrelated words make a strong one.",
        ]
    )


async def check(password: str, *, email: str, handle: str, display_name: str = "") -> None:
    """Refuse a weak password with a 422 naming `body.password` and the reason."""
    # zxcvbn takes up to ~15 ms of pure Python on a long password: off the event loop.
    reason = await asyncio.to_thread(
        weakness, password, email=email, handle=handle, display_name=display_name
    )
    if reason is not None:
        raise Invalid(reason, field="body.password", code="weak_password")
