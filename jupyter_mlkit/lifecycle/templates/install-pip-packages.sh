#!/bin/bash
# jupyter-mlkit template: install pip packages into every kernel's Python environment.
set -euo pipefail

PACKAGES={{PACKAGES}}
PIP_ARGS={{PIP_ARGS}}
SKIP_KERNELS={{SKIP_KERNELS}}
BACKGROUND={{BACKGROUND}}

read -r -a packages <<< "$PACKAGES"
read -r -a pip_args <<< "$PIP_ARGS"
read -r -a skip <<< "$SKIP_KERNELS"

install_all() {
    # One "name<TAB>interpreter" line per kernelspec (jupyter's own listing, parsed by Python).
    jupyter kernelspec list --json | python3 -c '
import json, sys
for name, spec in sorted(json.load(sys.stdin)["kernelspecs"].items()):
    argv = spec.get("spec", {}).get("argv") or [""]
    print(name + "\t" + argv[0])
' | while IFS=$'\t' read -r name python; do
        for s in "${skip[@]+"${skip[@]}"}"; do
            if [ "$s" = "$name" ]; then
                echo "skipping kernel $name (in SKIP_KERNELS)"
                continue 2
            fi
        done
        if ! "$python" -c 'import sys' >/dev/null 2>&1; then
            echo "skipping kernel $name: $python is not a Python interpreter"
            continue
        fi
        echo "installing ${packages[*]} into kernel $name ($python)"
        "$python" -m pip install --quiet "${pip_args[@]+"${pip_args[@]}"}" "${packages[@]}"
    done
}

if [ "$BACKGROUND" = true ]; then
    install_all </dev/null &
    echo "installing in the background (pid $!)"
else
    install_all
fi
