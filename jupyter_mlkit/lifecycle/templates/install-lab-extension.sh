#!/bin/bash
# jupyter-mlkit template: install a prebuilt JupyterLab extension into the server's environment.
set -euo pipefail

EXTENSION={{EXTENSION}}
PIP_ARGS={{PIP_ARGS}}

read -r -a pip_args <<< "$PIP_ARGS"
python="${MLKIT_PYTHON:-python3}"
"$python" -m pip install --quiet "${pip_args[@]+"${pip_args[@]}"}" "$EXTENSION"
echo "installed $EXTENSION; reload JupyterLab in the browser (restart the server for server parts)"
