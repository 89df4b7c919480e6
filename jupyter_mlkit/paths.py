"""Resolving user-given paths so they never leave the server's root directory."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from .errors import NotFound, PathOutsideRoot


def resolve_inside(root: str | os.PathLike, path: str, *, must_exist: bool = True) -> Path:
    """``path`` (relative to ``root``, or absolute) resolved, symlinks included, inside ``root``.

    Raises PathOutsideRoot when it escapes the root and NotFound when it must exist and does not.
    Glob patterns are allowed; then at least one match must exist.
    """
    if not isinstance(path, str) or not path.strip():
        raise NotFound("no path given", code="missing_path", status=400)
    root_path = Path(root).expanduser().resolve()
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = root_path / candidate
    resolved = Path(os.path.normpath(candidate))
    is_glob = glob.has_magic(str(resolved))
    if not is_glob:
        resolved = resolved.resolve()
    if not _within(resolved, root_path):
        raise PathOutsideRoot(
            f"'{path}' is outside the server's root directory",
            details={"path": path},
        )
    if must_exist:
        if is_glob:
            matches = [Path(m).resolve() for m in glob.glob(str(resolved), recursive=True)]
            if not matches:
                raise NotFound(
                    f"no file matches '{path}'", code="file_not_found", details={"path": path}
                )
            outside = [m for m in matches if not _within(m, root_path)]
            if outside:
                raise PathOutsideRoot(
                    f"'{path}' matches files outside the server's root directory",
                    details={"path": path},
                )
        elif not resolved.exists():
            raise NotFound(
                f"file not found: '{path}'", code="file_not_found", details={"path": path}
            )
    return resolved


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
