#!/bin/bash
# jupyter-mlkit template: execute a notebook at start-up and keep the executed copy.
set -euo pipefail

NOTEBOOK={{NOTEBOOK}}
OUTPUT={{OUTPUT}}
KERNEL={{KERNEL}}
ENGINE={{ENGINE}}
TIMEOUT={{TIMEOUT}}
BACKGROUND={{BACKGROUND}}

case "$NOTEBOOK" in
    /*) ;;
    *) NOTEBOOK="${MLKIT_SERVER_ROOT:-$PWD}/$NOTEBOOK" ;;
esac
if [ ! -f "$NOTEBOOK" ]; then
    echo "notebook not found: $NOTEBOOK" >&2
    exit 1
fi
if [ -z "$OUTPUT" ]; then OUTPUT="${NOTEBOOK%.ipynb}.startup.ipynb"; fi
python="${MLKIT_PYTHON:-python3}"
if [ "$ENGINE" = auto ]; then
    if "$python" -c 'import papermill' >/dev/null 2>&1; then ENGINE=papermill; else ENGINE=nbclient; fi
fi

execute() {
    if [ "$ENGINE" = papermill ]; then
        args=(--execution-timeout "$TIMEOUT")
        if [ -n "$KERNEL" ]; then args+=(-k "$KERNEL"); fi
        "$python" -m papermill "${args[@]}" "$NOTEBOOK" "$OUTPUT"
    else
        NB="$NOTEBOOK" OUT="$OUTPUT" KERNEL="$KERNEL" TIMEOUT="$TIMEOUT" "$python" - <<'PY'
import os
from pathlib import Path

import nbclient
import nbformat

src = Path(os.environ["NB"])
nb = nbformat.read(src, as_version=4)
kw = {"kernel_name": os.environ["KERNEL"]} if os.environ["KERNEL"] else {}
client = nbclient.NotebookClient(nb, timeout=int(os.environ["TIMEOUT"]),
                                 resources={"metadata": {"path": str(src.parent)}}, **kw)
try:
    client.execute()
finally:
    nbformat.write(nb, os.environ["OUT"])
PY
    fi
    echo "executed $NOTEBOOK with $ENGINE; output in $OUTPUT"
}

if [ "$BACKGROUND" = true ]; then
    execute </dev/null &
    echo "running $NOTEBOOK in the background (pid $!)"
else
    execute
fi
