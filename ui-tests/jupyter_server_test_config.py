"""Jupyter server configuration for the Galata UI tests (security off: tests only)."""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821 - `c` is injected by Jupyter's config loader

# Each run gets its own database so jobs from other runs never show up.
os.environ.setdefault("MLKIT_DB", os.path.join(tempfile.mkdtemp(prefix="mlkit-ui-"), "db.sqlite"))
c.MlkitApp.poll_interval_s = 0.2  # noqa: F821
c.ServerApp.jpserver_extensions = {"jupyter_mlkit": True}  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821 - CI runs as root
# MLKIT_UI_PORT lets two checkouts run their UI tests side by side.
c.ServerApp.port = int(os.environ.get("MLKIT_UI_PORT", "8888"))  # noqa: F821
# AWS is never reached from the UI tests, and they assert what a user without AWS access sees:
# no credentials from the environment, files or the instance metadata service (a CI runner on
# EC2 would otherwise find a role there).
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
