"""Choosing the storage from the settings, for the life of a process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.config import Settings
from app.files.storage import LocalStorage, S3Storage, Storage


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Storage]:
    """S3 when `TANDEM_S3_URL` is set (one client for the process), else the local folder."""
    if not settings.s3_url:
        # Its folders are made by the first upload.
        yield LocalStorage(settings.resolved_media_dir())
        return
    import aioboto3
    from botocore.config import Config

    session = aioboto3.Session()
    async with session.client(
        "s3",
        endpoint_url=settings.s3_url,
        aws_access_key_id=settings.s3_key,
        aws_secret_access_key=settings.s3_secret,
        region_name=settings.s3_region or "us-east-1",
        # Path-style addressing: MinIO and most S3-compatible servers want it.
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    ) as client:
        assert settings.s3_bucket is not None  # the settings refuse a URL without a bucket
        yield S3Storage(client, settings.s3_bucket)
