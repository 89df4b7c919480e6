"""A library of parameterised lifecycle scripts.

Each template is a bash file beside this module with ``{{NAME}}`` placeholders. Rendering puts
each parameter value in shell quotes (``shlex.quote``), so a value is always one literal string
and can never inject shell code; the script then uses ``"$NAME"``. A missing required parameter,
an unknown parameter or a value of the wrong kind is a :class:`TemplateError` that names them all.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from importlib import resources

from ..config import LifecycleConfig, LifecycleConfigError, Problem, normalize_hook

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Z][A-Z0-9_]*)\s*\}\}")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class TemplateError(LifecycleConfigError):
    """A template that does not exist, or parameters that do not fit it."""

    def __init__(self, problems: list[Problem] | str, name: str | None = None):
        super().__init__(problems, name)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        self.args = (
            f"template parameters are invalid ({len(self.problems)} problem(s)):\n{lines}",
        )


@dataclass(frozen=True)
class TemplateParam:
    name: str
    help: str
    required: bool = False
    default: str = ""
    kind: str = "str"  # str | int | bool
    choices: tuple[str, ...] = ()
    pattern: str | None = None  # a regex the whole value must match

    def check(self, value: str) -> str | None:
        """The normalised value, or raise ValueError saying what is wrong."""
        if self.kind == "int":
            if not re.fullmatch(r"\d+", value.strip()):
                raise ValueError(f"must be a whole number, got {value!r}")
            return value.strip()
        if self.kind == "bool":
            low = value.strip().lower()
            if low not in _TRUE + _FALSE:
                raise ValueError(f"must be true or false, got {value!r}")
            return "true" if low in _TRUE else "false"
        if self.choices and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}, got {value!r}")
        if self.pattern and value and not re.fullmatch(self.pattern, value):
            raise ValueError(f"{value!r} does not look right (expected {self.pattern})")
        return value

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "help": self.help,
            "required": self.required,
            "default": self.default,
            "kind": self.kind,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    hook: str  # the hook the script belongs in by default
    params: tuple[TemplateParam, ...] = field(default_factory=tuple)

    @property
    def source(self) -> str:
        return resources.files(__name__).joinpath(f"{self.name}.sh").read_text("utf-8")

    def render(self, params: dict[str, object] | None = None) -> str:
        """The script with every placeholder replaced by a shell-quoted value."""
        values = self.resolve(params or {})
        body = self.source

        def sub(m: re.Match) -> str:
            key = m.group(1)
            if key not in values:  # a bug in the template file, not in the user's input
                raise TemplateError(f"template {self.name} uses undeclared {{{{{key}}}}}")
            return shlex.quote(values[key])

        return _PLACEHOLDER.sub(sub, body)

    def resolve(self, params: dict[str, object]) -> dict[str, str]:
        problems: list[Problem] = []
        declared = {p.name: p for p in self.params}
        for key in params:
            if key not in declared:
                problems.append(
                    Problem(
                        f"template {self.name} has no parameter {key!r} "
                        f"(it takes: {', '.join(declared) or 'none'})"
                    )
                )
        values: dict[str, str] = {}
        for p in self.params:
            raw = params.get(p.name)
            if raw is None or (isinstance(raw, str) and raw == "" and p.required):
                if p.required:
                    problems.append(
                        Problem(f"template {self.name} needs parameter {p.name}: {p.help}")
                    )
                    continue
                raw = p.default
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            try:
                values[p.name] = p.check(str(raw))
            except ValueError as exc:
                problems.append(Problem(f"parameter {p.name} {exc}"))
        if problems:
            raise TemplateError(problems)
        return values

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "hook": self.hook.replace("_", "-"),
            "params": [p.to_dict() for p in self.params],
        }


P = TemplateParam
_BACKGROUND = P(
    "BACKGROUND",
    "run the work in the background so the 5-minute limit is not hit",
    kind="bool",
    default="false",
)

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "install-pip-packages",
            "Install pip packages into every kernel",
            "pip-installs packages into the Python environment of every Jupyter kernel "
            "(each kernelspec whose command is a Python interpreter).",
            "on_start",
            (
                P(
                    "PACKAGES",
                    "space-separated pip requirements, e.g. 'polars==1.9 rich'",
                    required=True,
                ),
                P("PIP_ARGS", "extra pip options, e.g. '--index-url https://...'"),
                P("SKIP_KERNELS", "space-separated kernelspec names to leave alone"),
                _BACKGROUND,
            ),
        ),
        Template(
            "set-kernel-env",
            "Set environment variables for kernels",
            "Writes an IPython start-up file so every Python kernel starts with these variables "
            "set (and a shell file terminals can source).",
            "on_start",
            (P("VARS", "KEY=VALUE pairs, one per line or separated by ';'", required=True),),
        ),
        Template(
            "clone-git-repo",
            "Clone a git repository",
            "Clones a repository into the server's root (once: an existing clone is kept).",
            "on_create",
            (
                P(
                    "REPO_URL",
                    "the repository to clone (https, ssh or a local path)",
                    required=True,
                ),
                P("DEST", "where to clone to; default: <server root>/<repository name>"),
                P("BRANCH", "branch or tag to check out; default: the remote's default"),
                P("DEPTH", "shallow clone depth; empty for full history", pattern=r"\d*"),
            ),
        ),
        Template(
            "auto-stop-idle",
            "Stop when idle",
            "Turns on idle auto-stop: after IDLE_SECONDS with no kernel or terminal "
            "activity, shut down kernels, stop the server, or stop the SageMaker notebook instance "
            "(falls back to stopping the server when not on one).",
            "on_start",
            (
                P(
                    "IDLE_SECONDS",
                    "seconds of inactivity before acting",
                    default="3600",
                    kind="int",
                ),
                P(
                    "ACTION",
                    "what to do when idle",
                    default="stop-notebook-instance",
                    choices=("shutdown-kernels", "stop-server", "stop-notebook-instance"),
                ),
                P(
                    "IGNORE_CONNECTIONS",
                    "an open browser tab does not count as activity",
                    default="true",
                    kind="bool",
                ),
            ),
        ),
        Template(
            "sync-s3-dataset",
            "Sync a dataset from S3",
            "Copies s3://bucket/prefix into a local folder (only new or changed objects), with the "
            "AWS CLI when present, else boto3.",
            "on_start",
            (
                P(
                    "S3_URI",
                    "source, e.g. s3://my-bucket/datasets/train/",
                    required=True,
                    pattern=r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?",
                ),
                P(
                    "DEST",
                    "local folder, e.g. $HOME/data (relative paths are under the server root)",
                    required=True,
                ),
                P(
                    "TOOL",
                    "which client to use",
                    default="auto",
                    choices=("auto", "aws-cli", "boto3"),
                ),
                _BACKGROUND,
            ),
        ),
        Template(
            "set-git-identity",
            "Set git identity",
            "Sets git's global user.name and user.email for the server's user.",
            "on_start",
            (
                P("GIT_NAME", "the name on commits", required=True),
                P("GIT_EMAIL", "the e-mail on commits", required=True, pattern=r"[^@\s]+@[^@\s]+"),
            ),
        ),
        Template(
            "install-lab-extension",
            "Install a JupyterLab extension",
            "pip-installs a (prebuilt) JupyterLab extension into the server's environment; "
            "reload the browser page (and restart the server for server extensions).",
            "on_start",
            (
                P(
                    "EXTENSION",
                    "pip requirement of the extension, e.g. 'jupyterlab-git'",
                    required=True,
                ),
                P("PIP_ARGS", "extra pip options"),
            ),
        ),
        Template(
            "run-notebook",
            "Run a notebook at start-up",
            "Executes a notebook at every start with papermill when installed, else nbclient, and "
            "saves the executed copy.",
            "on_start",
            (
                P(
                    "NOTEBOOK",
                    "path of the notebook (relative paths are under the server root)",
                    required=True,
                ),
                P("OUTPUT", "where to save the executed notebook; default: <name>.startup.ipynb"),
                P("KERNEL", "kernel name; default: the notebook's own"),
                P("ENGINE", "executor", default="auto", choices=("auto", "papermill", "nbclient")),
                P("TIMEOUT", "seconds allowed per cell", default="600", kind="int"),
                P(
                    "BACKGROUND",
                    "run in the background (notebooks often take over 5 minutes)",
                    kind="bool",
                    default="true",
                ),
            ),
        ),
    )
}


def list_templates() -> list[Template]:
    return list(TEMPLATES.values())


def get_template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise TemplateError(
            f"no template named {name!r}; available: {', '.join(TEMPLATES)}"
        ) from None


def render_template(name: str, params: dict[str, object] | None = None) -> str:
    return get_template(name).render(params)


def config_from_template(
    config_name: str,
    template: str,
    params: dict[str, object] | None = None,
    *,
    hook: str | None = None,
    base: LifecycleConfig | None = None,
) -> LifecycleConfig:
    """A validated configuration with the rendered template in its hook (or ``hook``).

    With ``base`` the other hook's script is kept, so templates can be combined one per hook.
    """
    t = get_template(template)
    target = normalize_hook(hook or t.hook)
    script = t.render(params)
    cfg = LifecycleConfig(
        config_name,
        base.on_create if base else None,
        base.on_start if base else None,
        description=t.title,
    )
    setattr(cfg, target, script)
    return cfg.validate()


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["K=V", ...]`` (as from ``--param K=V``) to a dict; a pair without '=' is an error."""
    out: dict[str, str] = {}
    bad = [p for p in pairs if "=" not in p]
    if bad:
        raise TemplateError([Problem(f"parameter {p!r} is not KEY=VALUE") for p in bad])
    for p in pairs:
        key, _, value = p.partition("=")
        out[key.strip()] = value
    return out
