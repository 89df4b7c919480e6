"""Every template renders to valid bash; most really run here in a sandbox (temp HOME, stubs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_mlkit.lifecycle import (
    EnvInfo,
    LifecycleConfig,
    TemplateError,
    config_from_template,
    get_template,
    list_templates,
    render_template,
    run_hook,
)
from jupyter_mlkit.lifecycle.config import bash_syntax_problems
from jupyter_mlkit.lifecycle.idle import IdlePolicy, policy_path
from jupyter_mlkit.lifecycle.templates import parse_params

SAMPLE = {
    "PACKAGES": "rich==13.0",
    "VARS": "A=1",
    "REPO_URL": "https://example.com/r.git",
    "S3_URI": "s3://bucket/prefix/",
    "DEST": "data",
    "GIT_NAME": "Ada",
    "GIT_EMAIL": "ada@example.com",
    "EXTENSION": "jupyterlab-git",
    "NOTEBOOK": "nb.ipynb",
}


def sample_params(name: str) -> dict:
    return {p.name: SAMPLE[p.name] for p in get_template(name).params if p.required}


def test_library_has_the_eight_templates():
    assert {t.name for t in list_templates()} == {
        "install-pip-packages",
        "set-kernel-env",
        "clone-git-repo",
        "auto-stop-idle",
        "sync-s3-dataset",
        "set-git-identity",
        "install-lab-extension",
        "run-notebook",
    }
    for t in list_templates():
        d = t.to_dict()
        assert d["description"] and d["hook"] in ("on-create", "on-start")
        assert all(p["help"] for p in d["params"])


@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_renders_and_passes_bash_n(name):
    script = render_template(name, sample_params(name))
    assert "{{" not in script
    assert bash_syntax_problems(script.encode()) == []
    cfg = config_from_template("from-" + name, name, sample_params(name))
    assert getattr(cfg, get_template(name).hook) == script


def test_missing_required_and_unknown_parameters_are_all_listed():
    with pytest.raises(TemplateError) as info:
        render_template("set-git-identity", {"GIT_EMAIL": "not-an-email", "COLOR": "red"})
    msgs = [str(p) for p in info.value.problems]
    assert msgs == [
        "template set-git-identity has no parameter 'COLOR' (it takes: GIT_NAME, GIT_EMAIL)",
        "template set-git-identity needs parameter GIT_NAME: the name on commits",
        "parameter GIT_EMAIL 'not-an-email' does not look right (expected [^@\\s]+@[^@\\s]+)",
    ]


def test_kind_checks_and_unknown_template():
    with pytest.raises(TemplateError, match="IDLE_SECONDS must be a whole number"):
        render_template("auto-stop-idle", {"IDLE_SECONDS": "soon"})
    with pytest.raises(TemplateError, match="ACTION must be one of"):
        render_template("auto-stop-idle", {"ACTION": "reboot"})
    with pytest.raises(TemplateError, match="no template named 'nope'"):
        render_template("nope")
    with pytest.raises(TemplateError, match="'x' is not KEY=VALUE"):
        parse_params(["A=1", "x"])
    assert parse_params(["A=1=2", "B="]) == {"A": "1=2", "B": ""}


def run(tmp_path, script_or_cfg, hook="on_start", **extra) -> tuple:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = EnvInfo(
        "srv", str(root), str(tmp_path / "data"), port=8888, extra={"HOME": str(home), **extra}
    )
    cfg = (
        script_or_cfg
        if isinstance(script_or_cfg, LifecycleConfig)
        else LifecycleConfig("t", **{hook: script_or_cfg})
    )
    rec = run_hook(cfg, hook, env_info=env, log_dir=tmp_path / "logs", timeout_s=60)
    return rec, Path(rec.log_path).read_text(), root, home


def test_values_are_quoted_never_executed(tmp_path):
    evil = f"$(touch {tmp_path}/pwned); `touch {tmp_path}/pwned2`"
    script = render_template("set-git-identity", {"GIT_NAME": evil, "GIT_EMAIL": "a@b.c"})
    rec, log, _, home = run(tmp_path, script)
    assert rec.ok, log
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    name = subprocess.run(
        ["git", "config", "--global", "user.name"],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
    ).stdout
    assert name == evil + "\n"


def test_set_git_identity_runs(tmp_path):
    script = render_template("set-git-identity", {"GIT_NAME": "Ada L", "GIT_EMAIL": "ada@x.org"})
    rec, log, _, home = run(tmp_path, script)
    assert rec.ok, log
    out = subprocess.run(
        ["git", "config", "--global", "user.email"],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
    ).stdout
    assert out == "ada@x.org\n"
    assert log == "git identity: Ada L <ada@x.org>\n"


def test_set_kernel_env_runs_and_the_file_sets_the_variables(tmp_path):
    script = render_template("set-kernel-env", {"VARS": "MODE=prod; GREETING=it's a test\nN=3"})
    rec, log, _, home = run(tmp_path, script)
    assert rec.ok, log
    startup = home / ".ipython" / "profile_default" / "startup" / "00-mlkit-env.py"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            f"exec(open({str(startup)!r}).read()); import os; "
            "print(os.environ['MODE'], os.environ['GREETING'], os.environ['N'], sep='|')",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert probe == "prod|it's a test|3\n"
    shell = home / ".mlkit" / "kernel-env.sh"
    echoed = subprocess.run(
        ["bash", "-c", f'source {shell}; echo "$GREETING"'], capture_output=True, text=True
    ).stdout
    assert echoed == "it's a test\n"


def test_set_kernel_env_rejects_a_bad_pair(tmp_path):
    rec, log, _, _ = run(tmp_path, render_template("set-kernel-env", {"VARS": "1BAD=x"}))
    assert rec.status == "failed" and "not a KEY=VALUE pair: '1BAD=x'" in log


def test_clone_git_repo_from_a_local_bare_repo(tmp_path):
    src, bare = tmp_path / "src", tmp_path / "proj.git"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(src)], check=True)
    (src / "README.md").write_text("hello\n")
    subprocess.run([*git, "-C", str(src), "add", "."], check=True)
    subprocess.run([*git, "-C", str(src), "commit", "-qm", "first"], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(bare)], check=True)
    cfg = config_from_template("clone", "clone-git-repo", {"REPO_URL": str(bare)})
    assert cfg.on_create is not None and cfg.on_start is None
    rec, log, root, _ = run(tmp_path, cfg, hook="on_create")
    assert rec.ok, log
    assert (root / "proj" / "README.md").read_text() == "hello\n"
    rec2, log2, _, _ = run(tmp_path, cfg, hook="on_create")
    assert rec2.ok and "already a clone" in log2


def test_auto_stop_idle_writes_the_policy_the_server_reads(tmp_path):
    script = render_template(
        "auto-stop-idle",
        {"IDLE_SECONDS": "120", "ACTION": "stop-server", "IGNORE_CONNECTIONS": "no"},
    )
    rec, log, _, _ = run(tmp_path, script)
    assert rec.ok, log
    assert IdlePolicy.load(policy_path(tmp_path / "data")) == IdlePolicy(
        idle_seconds=120, ignore_connections=False, action="stop-server"
    )


def stub(path: Path, body: str) -> Path:
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)
    return path


def test_install_pip_packages_into_every_kernel(tmp_path):
    # A stub `jupyter` lists two kernels; stub interpreters record how pip was called.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "calls.txt"
    py_a = stub(bindir / "py-a", f'[ "$1" = -c ] && exit 0\necho "a $*" >> {calls}\n')
    py_b = stub(bindir / "py-b", f'[ "$1" = -c ] && exit 0\necho "b $*" >> {calls}\n')
    specs = {
        "kernelspecs": {
            "alpha": {"spec": {"argv": [str(py_a), "-m", "ipykernel"]}},
            "beta": {"spec": {"argv": [str(py_b), "-m", "ipykernel"]}},
            "ir": {"spec": {"argv": ["/nonexistent/R", "--slave"]}},
        }
    }
    (tmp_path / "specs.json").write_text(json.dumps(specs))
    stub(bindir / "jupyter", f"cat {tmp_path}/specs.json\n")
    script = render_template(
        "install-pip-packages", {"PACKAGES": "rich==13.0 polars", "SKIP_KERNELS": "beta"}
    )
    rec, log, _, _ = run(tmp_path, script, PATH=f"{bindir}:{os.environ['PATH']}")
    assert rec.ok, log
    assert calls.read_text() == "a -m pip install --quiet rich==13.0 polars\n"
    assert "skipping kernel beta (in SKIP_KERNELS)" in log
    assert "skipping kernel ir: /nonexistent/R is not a Python interpreter" in log


def test_install_lab_extension_uses_the_server_python(tmp_path):
    calls = tmp_path / "calls.txt"
    fake = stub(tmp_path / "fakepy", f'echo "$*" > {calls}\n')
    script = render_template(
        "install-lab-extension", {"EXTENSION": "jupyterlab-git>=0.50", "PIP_ARGS": "--no-deps"}
    )
    rec, log, _, _ = run(tmp_path, script, MLKIT_PYTHON=str(fake))
    assert rec.ok, log
    assert calls.read_text() == "-m pip install --quiet --no-deps jupyterlab-git>=0.50\n"


@pytest.mark.aws
def test_sync_s3_dataset_with_boto3_against_moto(tmp_path, aws):
    from jupyter_mlkit.aws import client

    s3 = client("s3")
    s3.create_bucket(Bucket="datasets")
    s3.put_object(Bucket="datasets", Key="train/a.csv", Body=b"x,y\n1,2\n")
    s3.put_object(Bucket="datasets", Key="train/sub/b.csv", Body=b"z\n")
    s3.put_object(Bucket="datasets", Key="other/c.csv", Body=b"no\n")
    script = render_template(
        "sync-s3-dataset", {"S3_URI": "s3://datasets/train/", "DEST": "data", "TOOL": "boto3"}
    )
    rec, log, root, _ = run(tmp_path, script, MLKIT_PYTHON=sys.executable)
    assert rec.ok, log
    assert (root / "data" / "a.csv").read_bytes() == b"x,y\n1,2\n"
    assert (root / "data" / "sub" / "b.csv").read_bytes() == b"z\n"
    assert not (root / "data" / "c.csv").exists()
    assert "2 copied, 0 unchanged" in log
    rec2, log2, _, _ = run(tmp_path, script, MLKIT_PYTHON=sys.executable)
    assert "0 copied, 2 unchanged" in log2


@pytest.mark.slow
def test_run_notebook_with_nbclient(tmp_path):
    import nbformat

    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("open('ran.txt', 'w').write('yes')\nprint(6 * 7)")]
    nbformat.write(nb, root / "startup.ipynb")
    script = render_template(
        "run-notebook",
        {
            "NOTEBOOK": "startup.ipynb",
            "ENGINE": "nbclient",
            "BACKGROUND": "false",
            "KERNEL": "python3",
        },
    )
    rec, log, root, _ = run(tmp_path, script, MLKIT_PYTHON=sys.executable)
    assert rec.ok, log
    assert (root / "ran.txt").read_text() == "yes"
    out = nbformat.read(root / "startup.startup.ipynb", as_version=4)
    assert out.cells[0].outputs[0]["text"] == "42\n"


def test_run_notebook_missing_file_fails_clearly(tmp_path):
    script = render_template("run-notebook", {"NOTEBOOK": "absent.ipynb", "BACKGROUND": "no"})
    rec, log, root, _ = run(tmp_path, script)
    assert rec.status == "failed" and log == f"notebook not found: {root}/absent.ipynb\n"
