"""S3-compatible object storage (AWS S3, Cloudflare R2, Backblaze B2, MinIO) through boto3,
an optional extra. Objects are compared by their MD5 ETag (we upload in one part, so the
ETag is the MD5 of the bytes): only changed files are sent, pages last."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.config import Config, DeployTarget
from generator.deploy.plan import LocalFile, Outcome, failure, local_files, make_plan, md5_file
from generator.output.headers import cache_control, content_type

# Netlify / Cloudflare Pages files: meaningless on a bucket.
NOT_UPLOADED = ("_headers", "_redirects")


def publish(target: DeployTarget, out_dir: Path, config: Config, *, dry_run: bool,
            force: bool, delete: bool, progress: Callable[[str], None] | None = None,
            ) -> Outcome:
    client, errors = _client(target)
    prefix = normalize_prefix(target.prefix)
    where = f"s3://{target.bucket}/{prefix}"
    local = local_files(out_dir, md5_file, NOT_UPLOADED)
    try:
        remote = listing(client, target.bucket, prefix)
    except errors as exc:
        raise failure(f"cannot list {where}: {_reason(exc)}", "nothing was uploaded or "
                      "deleted", _hint(exc, target)) from None
    plan = make_plan(local, remote, delete=delete or target.delete, force=force)
    if dry_run:
        return Outcome(where, plan, False, config.base_url)
    done = 0
    try:
        for file in plan.uploads:
            upload(client, target.bucket, prefix + file.path, out_dir / file.path, file)
            done += 1
            if progress:
                progress(f"uploaded {file.path}")
        for path in plan.deletions:
            client.delete_object(Bucket=target.bucket, Key=prefix + path)
            done += 1
    except errors as exc:
        total = len(plan.uploads) + len(plan.deletions)
        raise failure(f"stopped after {done} of {total} changes to {where}: {_reason(exc)}",
                      "the objects not yet sent are as they were (pages go last, so the live "
                      "pages still find their files)", _hint(exc, target)) from None
    return Outcome(where, plan, True, config.base_url)


def normalize_prefix(prefix: str) -> str:
    """'' or 'a/b/': keys are prefix + path, and listing 'site/' never reaches 'site2/'."""
    prefix = prefix.strip("/")
    return prefix + "/" if prefix else ""


def listing(client: Any, bucket: str, prefix: str) -> dict[str, str | None]:
    """path under the prefix -> MD5 (None when the ETag is not one: a multipart upload)."""
    found: dict[str, str | None] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            key = item["Key"]
            if not key.startswith(prefix) or key.endswith("/"):
                continue
            etag = item.get("ETag", "").strip('"')
            found[key[len(prefix):]] = etag if len(etag) == 32 and "-" not in etag else None
    return found


def upload(client: Any, bucket: str, key: str, path: Path, file: LocalFile) -> None:
    """One object, in one part, with its type and cache policy."""
    with path.open("rb") as body:
        client.put_object(Bucket=bucket, Key=key, Body=body,
                          ContentType=content_type(file.path),
                          CacheControl=cache_control(file.path))


def _client(target: DeployTarget) -> tuple[Any, tuple[type[BaseException], ...]]:
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise failure("the s3 target needs boto3, which is not installed",
                      "nothing was uploaded",
                      "install the extra: pip install 'casefolio[s3]'") from None
    session = boto3.session.Session()
    try:
        client = session.client("s3", endpoint_url=target.endpoint or None,
                                region_name=target.region or None)
    except (BotoCoreError, ValueError) as exc:
        raise failure(f"cannot connect to the storage: {exc}", "nothing was uploaded",
                      "check `endpoint` and `region` in site.yaml") from None
    return client, (BotoCoreError, ClientError)


def _reason(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '') or exc}"
    return str(exc)


def _hint(exc: BaseException, target: DeployTarget) -> str:
    name = type(exc).__name__
    code = str((getattr(exc, "response", None) or {}).get("Error", {}).get("Code", ""))
    if name in ("NoCredentialsError", "PartialCredentialsError") or code in (
            "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return ("give credentials the way boto3 reads them: AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and ~/.aws/credentials (never site.yaml)")
    if code in ("NoSuchBucket", "AccessDenied"):
        return (f"check `bucket: {target.bucket}` in site.yaml and that these credentials may "
                "list, write and delete in it")
    return "fix that and run the same command again: it picks up where this one stopped"
