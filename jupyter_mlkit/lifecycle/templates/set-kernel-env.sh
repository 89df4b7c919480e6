#!/bin/bash
# jupyter-mlkit template: set environment variables for every Python kernel (and terminals).
set -euo pipefail

export MLKIT_TEMPLATE_VARS={{VARS}}

python3 - <<'PY'
import os, re, sys
from pathlib import Path

pairs = {}
for piece in re.split(r"[;\n]", os.environ["MLKIT_TEMPLATE_VARS"]):
    piece = piece.strip()
    if not piece:
        continue
    key, sep, value = piece.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        sys.exit(f"not a KEY=VALUE pair: {piece!r}")
    pairs[key] = value

ipython_dir = Path(os.environ.get("IPYTHONDIR") or Path.home() / ".ipython")
startup = ipython_dir / "profile_default" / "startup" / "00-mlkit-env.py"
startup.parent.mkdir(parents=True, exist_ok=True)
startup.write_text("# written by a jupyter-mlkit lifecycle script\nimport os\n"
                   f"os.environ.update({pairs!r})\n")

shell = Path.home() / ".mlkit" / "kernel-env.sh"
shell.parent.mkdir(parents=True, exist_ok=True)
quote = lambda v: "'" + v.replace("'", "'\"'\"'") + "'"
shell.write_text("".join(f"export {k}={quote(v)}\n" for k, v in pairs.items()))
print(f"set {', '.join(pairs)} for kernels ({startup}) and terminals ({shell})")
PY
