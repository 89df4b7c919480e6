#!/bin/bash
# jupyter-mlkit template: copy new or changed objects under an S3 prefix into a local folder.
set -euo pipefail

S3_URI={{S3_URI}}
DEST={{DEST}}
TOOL={{TOOL}}
BACKGROUND={{BACKGROUND}}

case "$DEST" in
    /*) ;;
    *) DEST="${MLKIT_SERVER_ROOT:-$PWD}/$DEST" ;;
esac
mkdir -p "$DEST"

if [ "$TOOL" = auto ]; then
    if aws --version >/dev/null 2>&1; then TOOL=aws-cli; else TOOL=boto3; fi
fi

sync() {
    if [ "$TOOL" = aws-cli ]; then
        aws s3 sync "$S3_URI" "$DEST"
        return
    fi
    S3_URI="$S3_URI" DEST="$DEST" "${MLKIT_PYTHON:-python3}" - <<'PY'
import os
from pathlib import Path

import boto3

uri, dest = os.environ["S3_URI"], Path(os.environ["DEST"])
bucket, _, prefix = uri[len("s3://"):].partition("/")
endpoint = os.environ.get("MLKIT_AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL")
s3 = boto3.client("s3", endpoint_url=endpoint or None)
copied = kept = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for obj in page.get("Contents", []):
        key = obj["Key"]
        if key.endswith("/"):
            continue
        rel = key[len(prefix):].lstrip("/") if prefix else key
        target = dest / rel
        if target.exists() and target.stat().st_size == obj["Size"]:
            kept += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(target))
        copied += 1
print(f"synced {uri} to {dest}: {copied} copied, {kept} unchanged")
PY
}

if [ "$BACKGROUND" = true ]; then
    sync </dev/null &
    echo "syncing in the background (pid $!)"
else
    sync
fi
