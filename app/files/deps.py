"""The storage of this app (chosen by the settings at start-up), as a request dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.files.storage import Storage


async def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


FileStorage = Annotated[Storage, Depends(_storage)]
