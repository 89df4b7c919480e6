"""Checkpoints under an S3 prefix, with the same manifest-last protocol as local folders."""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from .storage import (
    MANIFEST,
    Candidate,
    CheckpointSaveError,
    CheckpointStorageError,
    LocalStorage,
    Storage,
    build_manifest,
    ckpt_name,
    parse_step,
    verify,
    write_delay,
)


def _retryable(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code >= 500 or code == 429
    return True  # connection errors, timeouts, read errors


class S3Storage(Storage):
    """Checkpoints under ``s3://bucket/prefix/step-N/``; the manifest object is uploaded last.

    Files go up through boto3's transfer manager (multipart above ``multipart_mb``); each upload is
    retried with back-off. A save raises :class:`CheckpointSaveError` unless every object,
    manifest included, is confirmed uploaded.
    """

    def __init__(
        self,
        uri: str,
        *,
        attempts: int = 5,
        backoff_s: float = 0.5,
        multipart_mb: int = 8,
        check: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
    ):
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise CheckpointStorageError(f"not an S3 URI: {uri!r} (expected s3://bucket/prefix)")
        self.uri = uri
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.multipart_bytes = multipart_mb * 1024 * 1024
        self.cache = LocalStorage(cache_dir) if cache_dir else None
        from jupyter_mlkit import aws

        try:
            self.client = aws.client("s3", connect_timeout=3, read_timeout=30)
        except aws.AwsUnavailable as exc:
            raise CheckpointStorageError(str(exc)) from exc
        if check:
            self.check()

    def check(self) -> None:
        """Fail fast when the bucket is unreachable, missing or not ours to write."""
        from botocore.exceptions import BotoCoreError, ClientError

        probe = self._key(f".mlkit-probe-{uuid.uuid4().hex[:8]}")
        try:
            self.client.head_bucket(Bucket=self.bucket)
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=b"ok")
            self.client.delete_object(Bucket=self.bucket, Key=probe)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "?")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            why = {
                "404": "bucket does not exist",
                "NoSuchBucket": "bucket does not exist",
                "403": "access denied (unauthorised)",
                "AccessDenied": "access denied (unauthorised)",
            }.get(str(code), f"{code} (HTTP {status})")
            raise CheckpointStorageError(
                f"checkpoint URI {self.uri} cannot be used: {why}"
            ) from exc
        except BotoCoreError as exc:
            raise CheckpointStorageError(
                f"checkpoint URI {self.uri} is unreachable: {exc}"
            ) from exc

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def _retry(self, what: str, fn: Callable[[], Any]) -> Any:
        last: BaseException | None = None
        for attempt in range(self.attempts):
            try:
                return fn()
            except Exception as exc:  # boto3 raises many kinds; _retryable sorts them
                last = exc
                if not _retryable(exc) or attempt == self.attempts - 1:
                    break
                time.sleep(min(self.backoff_s * 2**attempt, 10))
        raise CheckpointSaveError(f"{what} failed after retries: {last}") from last

    def _put(self, key: str, data: bytes) -> None:
        from boto3.s3.transfer import TransferConfig

        cfg = TransferConfig(
            multipart_threshold=self.multipart_bytes, multipart_chunksize=self.multipart_bytes
        )

        def go():
            self.client.upload_fileobj(io.BytesIO(data), self.bucket, key, Config=cfg)

        self._retry(f"upload of s3://{self.bucket}/{key}", go)

    def write(
        self,
        step: int,
        files: dict[str, bytes],
        meta: dict[str, Any],
        on_file: Callable[[str], None] | None = None,
    ) -> str:
        name = ckpt_name(step)
        manifest = build_manifest(step, files, meta)
        if self.cache is not None:  # local copy first, with the very manifest S3 will hold
            self.cache.write(step, files, meta, manifest=manifest)
        delay = write_delay()
        # a re-save of the same step first removes the old manifest so no reader mixes versions
        self._retry(
            "delete of old manifest", lambda: self._delete_keys([self._key(name, MANIFEST)])
        )
        for fname, data in files.items():
            self._put(self._key(name, fname), data)
            if on_file:
                on_file(fname)
            if delay:
                time.sleep(delay)
        self._put(self._key(name, MANIFEST), manifest)
        return f"s3://{self.bucket}/{self._key(name)}"

    def steps(self) -> list[tuple[str, int]]:
        prefix = self._key("") + "/" if self.prefix else ""
        out = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        )
        for page in pages:
            for cp in page.get("CommonPrefixes", []):
                name = cp["Prefix"][len(prefix) :].strip("/")
                step = parse_step(name)
                if step is not None:
                    out.append((name, step))
        return sorted(out, key=lambda t: t[1], reverse=True)

    def _get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    def load(self, name: str, step: int) -> Candidate:
        remote = self._get(self._key(name, MANIFEST))
        if self.cache is not None and remote is not None:
            local = self.cache.root / name / MANIFEST
            if local.is_file() and local.read_bytes() == remote:  # same checkpoint: no download
                cand = self.cache.load(name, step)
                if cand.valid:
                    return cand
        cand = verify(name, step, remote, lambda f: self._get(self._key(name, f)))
        if cand.valid and self.cache is not None and remote is not None:
            try:
                self.cache.write(step, cand.files, cand.meta, manifest=remote)
            except CheckpointSaveError:
                pass  # the cache is an optimisation; S3 stays the truth
        return cand

    def cleanup_partial(self) -> list[str]:
        return self.cache.cleanup_partial() if self.cache is not None else []

    def has_manifest(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name, MANIFEST))
            return True
        except ClientError:
            return False

    def _delete_keys(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[i : i + 1000]]
            if chunk:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": chunk})

    def delete(self, name: str) -> None:
        prefix = self._key(name) + "/"
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            keys += [o["Key"] for o in page.get("Contents", [])]
        self._delete_keys(keys)
        if self.cache is not None:
            self.cache.delete(name)
