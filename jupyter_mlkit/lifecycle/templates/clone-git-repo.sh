#!/bin/bash
# jupyter-mlkit template: clone a git repository (once; an existing clone is kept).
set -euo pipefail

REPO_URL={{REPO_URL}}
DEST={{DEST}}
BRANCH={{BRANCH}}
DEPTH={{DEPTH}}

if [ -z "$DEST" ]; then
    name=$(basename "$REPO_URL")
    DEST="${MLKIT_SERVER_ROOT:-$PWD}/${name%.git}"
fi
if [ -d "$DEST/.git" ]; then
    echo "$DEST is already a clone; leaving it as it is"
    exit 0
fi
args=()
if [ -n "$BRANCH" ]; then args+=(--branch "$BRANCH"); fi
if [ -n "$DEPTH" ]; then args+=(--depth "$DEPTH"); fi
git clone "${args[@]+"${args[@]}"}" -- "$REPO_URL" "$DEST"
echo "cloned $REPO_URL into $DEST"
