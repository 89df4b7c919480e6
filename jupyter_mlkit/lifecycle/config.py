"""A lifecycle configuration (on-create / on-start scripts) and its validation.

Validation collects every problem before raising, so a user fixes a script in one pass. The
checks mirror SageMaker's limits (name pattern and length, base64 content of 1-16384 characters)
plus what SageMaker only finds at run time: bash syntax, Windows line ends and non-UTF-8 bytes.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

NAME_MAX = 63
NAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
CONTENT_MAX = 16384  # characters of the base64 string, as SageMaker counts
HOOKS = ("on_create", "on_start")
# SageMaker's hook names, used for log streams and messages.
HOOK_LABELS = {"on_create": "OnCreate", "on_start": "OnStart"}
_BASH_LINE_RE = re.compile(r"line (\d+): (.*)")


def normalize_hook(hook: str) -> str:
    """Accept ``on-start``, ``on_start``, ``OnStart`` (any case); return ``on_start``."""
    key = hook.strip().lower().replace("-", "_")
    if key in ("oncreate", "on_create"):
        return "on_create"
    if key in ("onstart", "on_start"):
        return "on_start"
    raise ValueError(f"unknown hook {hook!r}: use 'on-create' or 'on-start'")


@dataclass(frozen=True)
class Problem:
    """One validation problem; ``hook`` and ``line`` say where, when known."""

    message: str
    hook: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.hook:
            where.append(self.hook.replace("_", "-"))
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{' '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict:
        return {"message": self.message, "hook": self.hook, "line": self.line}


class LifecycleConfigError(ValueError):
    """A configuration that cannot be saved, published or run; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem] | str, name: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems: list[Problem] = list(problems)
        self.name = name
        head = f"lifecycle configuration {name!r} is invalid" if name else "invalid configuration"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head} ({len(self.problems)} problem(s)):\n{lines}")


Script = str | bytes


@dataclass
class LifecycleConfig:
    """A named pair of bash scripts: ``on_create`` runs once, ``on_start`` at every start.

    Scripts are normally ``str``; ``bytes`` are accepted (read from a file) so that non-UTF-8
    content is reported by :meth:`validate` instead of failing on read.
    """

    name: str
    on_create: Script | None = None
    on_start: Script | None = None
    description: str = field(default="", compare=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_files(
        cls, name: str, on_create: str | Path | None = None, on_start: str | Path | None = None
    ) -> LifecycleConfig:
        """Read scripts as bytes (so encoding problems surface in :meth:`validate`)."""

        def read(path: str | Path | None) -> bytes | None:
            if path is None:
                return None
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                raise LifecycleConfigError(f"cannot read {path}: {exc.strerror}", name) from exc

        return cls(name, read(on_create), read(on_start))

    @classmethod
    def from_sagemaker(cls, body: dict) -> LifecycleConfig:
        """Build from a Create request or a Describe response (base64 contents decoded)."""

        def hook(key: str) -> bytes | None:
            items = body.get(key) or []
            if not items:
                return None
            return base64.b64decode(items[0]["Content"])

        cfg = cls(body["NotebookInstanceLifecycleConfigName"], hook("OnCreate"), hook("OnStart"))
        return cfg.decoded()

    def decoded(self) -> LifecycleConfig:
        """A copy whose scripts are ``str`` when they are valid UTF-8 (bytes kept otherwise)."""

        def dec(s: Script | None) -> Script | None:
            if isinstance(s, bytes):
                try:
                    return s.decode("utf-8")
                except UnicodeDecodeError:
                    return s
            return s

        return LifecycleConfig(self.name, dec(self.on_create), dec(self.on_start), self.description)

    # -- access -------------------------------------------------------------------------------
    def script(self, hook: str) -> Script | None:
        return getattr(self, normalize_hook(hook))

    def hooks(self) -> list[str]:
        """The hooks that have a script, in run order."""
        return [h for h in HOOKS if getattr(self, h) is not None]

    def script_text(self, hook: str) -> str | None:
        """The script as text; raises :class:`LifecycleConfigError` when it is not UTF-8."""
        s = self.script(hook)
        if s is None or isinstance(s, str):
            return s
        try:
            return s.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LifecycleConfigError(
                [_utf8_problem(s, exc, normalize_hook(hook))], self.name
            ) from exc

    # -- validation ---------------------------------------------------------------------------
    def problems(self, *, check_syntax: bool = True) -> list[Problem]:
        """Every problem found, in a stable order (name first, then each hook)."""
        out: list[Problem] = []
        out.extend(name_problems(self.name))
        for hook in HOOKS:
            script = getattr(self, hook)
            if script is not None:
                out.extend(script_problems(script, hook, check_syntax=check_syntax))
        return out

    def validate(self, *, check_syntax: bool = True) -> LifecycleConfig:
        """Raise :class:`LifecycleConfigError` listing every problem; return ``self`` if none."""
        found = self.problems(check_syntax=check_syntax)
        if found:
            raise LifecycleConfigError(found, self.name)
        return self

    # -- SageMaker ----------------------------------------------------------------------------
    def to_sagemaker(self) -> dict:
        """The ``CreateNotebookInstanceLifecycleConfig`` request body (validated first)."""
        self.validate()
        body: dict = {"NotebookInstanceLifecycleConfigName": self.name}
        for hook in HOOKS:
            data = _as_bytes(getattr(self, hook))
            if data is not None:
                body[HOOK_LABELS[hook]] = [{"Content": base64.b64encode(data).decode("ascii")}]
        return body

    def to_dict(self) -> dict:
        """JSON-friendly form for REST replies (scripts as text)."""
        d = self.decoded()
        return {
            "name": d.name,
            "on_create": d.on_create if not isinstance(d.on_create, bytes) else None,
            "on_start": d.on_start if not isinstance(d.on_start, bytes) else None,
            "description": d.description,
        }


# -- individual checks (also used by the store and the template renderer) ----------------------
def name_problems(name: object, *, label: str = "name") -> list[Problem]:
    if not isinstance(name, str) or not name:
        return [Problem(f"{label} is empty: use 1-{NAME_MAX} letters, digits and hyphens")]
    out = []
    if len(name) > NAME_MAX:
        out.append(
            Problem(f"{label} {name!r} is {len(name)} characters long; the limit is {NAME_MAX}")
        )
    if not NAME_RE.fullmatch(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c == "-"))})
        why = f"contains {''.join(bad)!r}" if bad else "must start and end with a letter or digit"
        out.append(
            Problem(
                f"{label} {name!r} {why}: use letters, digits and hyphens only "
                f"(pattern {NAME_RE.pattern})"
            )
        )
    return out


def script_problems(script: Script, hook: str, *, check_syntax: bool = True) -> list[Problem]:
    out: list[Problem] = []
    if isinstance(script, str):
        try:
            data = script.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = script.count("\n", 0, exc.start) + 1
            out.append(Problem(f"not valid UTF-8 (character {exc.start})", hook, line))
            data = script.encode("utf-8", "replace")
    else:
        data = bytes(script)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.append(_utf8_problem(data, exc, hook))
    if not data.strip():
        out.append(Problem("script is empty: remove the hook instead", hook))
        return out
    encoded = 4 * ((len(data) + 2) // 3)
    if encoded > CONTENT_MAX:
        out.append(
            Problem(
                f"script is {len(data)} bytes, {encoded} base64 characters; SageMaker's limit is "
                f"{CONTENT_MAX} (about {CONTENT_MAX * 3 // 4} bytes of script)",
                hook,
            )
        )
    crlf = [i + 1 for i, ln in enumerate(data.split(b"\n")) if ln.endswith(b"\r")]
    if crlf:
        shown = ", ".join(map(str, crlf[:5])) + (" ..." if len(crlf) > 5 else "")
        out.append(
            Problem(
                f"Windows line ends (CRLF) on {len(crlf)} line(s): {shown}; "
                "save the script with Unix line ends (LF)",
                hook,
                crlf[0],
            )
        )
    if b"\x00" in data:
        out.append(Problem("contains a NUL byte", hook, data.count(b"\n", 0, data.index(0)) + 1))
    elif check_syntax and not crlf:
        # With CRLF every line would also be a bash error; one clear message is better.
        out.extend(bash_syntax_problems(data, hook))
    return out


def bash_syntax_problems(data: bytes, hook: str | None = None) -> list[Problem]:
    """Run ``bash -n`` on the script (read from stdin) and turn its messages into problems."""
    bash = shutil.which("bash")
    if bash is None:
        return [Problem("bash was not found on PATH, so the syntax could not be checked", hook)]
    proc = subprocess.run(
        [bash, "-n"], input=data, capture_output=True, timeout=30, env={"LC_ALL": "C"}
    )
    if proc.returncode == 0:
        return []
    out = []
    for raw in proc.stderr.decode("utf-8", "replace").splitlines():
        m = _BASH_LINE_RE.search(raw)
        if not m:
            continue
        line, text = int(m.group(1)), m.group(2).strip()
        if text.startswith("`") and out and out[-1].line == line:
            # bash's second line quotes the offending source line: fold it into the first.
            out[-1] = Problem(f"{out[-1].message} in {text}", hook, line)
        else:
            out.append(Problem(f"bash {text}", hook, line))
    return out or [
        Problem(f"bash -n failed: {proc.stderr.decode('utf-8', 'replace').strip()}", hook)
    ]


def _utf8_problem(data: bytes, exc: UnicodeDecodeError, hook: str) -> Problem:
    line = data.count(b"\n", 0, exc.start) + 1
    return Problem(
        f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}", hook, line
    )


def _as_bytes(script: Script | None) -> bytes | None:
    if script is None:
        return None
    return script.encode("utf-8") if isinstance(script, str) else bytes(script)
