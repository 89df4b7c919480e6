"""Notebook lifecycle configurations: on-create / on-start scripts for any Jupyter server.

The core is plain Python with no Jupyter server import: the server extension, the CLI, magics
and panel call these functions. Submodules with boto3 (:mod:`.sagemaker`) import it lazily.
"""

from __future__ import annotations

from .config import HOOKS, LifecycleConfig, LifecycleConfigError, Problem, normalize_hook
from .idle import (
    IdleMonitor,
    IdlePolicy,
    IdleStatus,
    IdleTracker,
    KernelSnapshot,
    TerminalSnapshot,
    notebook_instance_name,
    read_resource_metadata,
)
from .models import Attachment, RunRecord, StoredConfig
from .runner import (
    EnvInfo,
    StartupResult,
    default_log_dir,
    default_server_name,
    lifecycle_status,
    log_stream_name,
    run_hook,
    startup,
    startup_in_background,
)
from .store import LifecycleNotFound, LifecycleStore
from .templates import (
    Template,
    TemplateError,
    TemplateParam,
    config_from_template,
    get_template,
    list_templates,
    render_template,
)

__all__ = [
    "HOOKS",
    "Attachment",
    "EnvInfo",
    "IdleMonitor",
    "IdlePolicy",
    "IdleStatus",
    "IdleTracker",
    "KernelSnapshot",
    "LifecycleConfig",
    "LifecycleConfigError",
    "LifecycleNotFound",
    "LifecycleStore",
    "Problem",
    "RunRecord",
    "StartupResult",
    "StoredConfig",
    "Template",
    "TemplateError",
    "TemplateParam",
    "TerminalSnapshot",
    "config_from_template",
    "default_log_dir",
    "default_server_name",
    "get_template",
    "lifecycle_status",
    "list_templates",
    "log_stream_name",
    "normalize_hook",
    "notebook_instance_name",
    "read_resource_metadata",
    "render_template",
    "run_hook",
    "startup",
    "startup_in_background",
]
