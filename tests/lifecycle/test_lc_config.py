"""LifecycleConfig validation and the SageMaker request body."""

from __future__ import annotations

import base64

import pytest

from jupyter_mlkit.lifecycle import LifecycleConfig, LifecycleConfigError


def problems_of(cfg: LifecycleConfig) -> list[str]:
    with pytest.raises(LifecycleConfigError) as info:
        cfg.validate()
    return [str(p) for p in info.value.problems]


def test_valid_config_passes_and_returns_itself():
    cfg = LifecycleConfig("my-config-1", on_create="echo create\n", on_start="echo start\n")
    assert cfg.validate() is cfg
    assert cfg.hooks() == ["on_create", "on_start"]


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("", "name is empty"),
        ("bad_name", "contains '_'"),
        ("-leading", "must start and end with a letter or digit"),
        ("trailing-", "must start and end with a letter or digit"),
        ("a" * 64, "64 characters long; the limit is 63"),
        ("sp ace", "contains ' '"),
    ],
)
def test_name_rules(name, fragment):
    found = problems_of(LifecycleConfig(name, on_start="true\n"))
    assert any(fragment in p for p in found), found


def test_name_of_63_characters_with_hyphens_is_fine():
    LifecycleConfig("a-" * 31 + "b", on_start="true\n").validate()


def test_every_problem_is_listed_with_hook_and_line():
    cfg = LifecycleConfig(
        "bad name",
        on_create="echo ok\r\necho two\r\n",
        on_start=b"echo one\nif then\necho \xff\n",
    )
    found = problems_of(cfg)
    # name, CRLF in on-create, non-UTF-8 and syntax error in on-start: four problems.
    assert len(found) == 4, found
    assert found[0].startswith("name 'bad name' contains ' '")
    assert found[1].startswith("on-create line 1: Windows line ends (CRLF) on 2 line(s): 1, 2")
    assert found[2] == "on-start line 3: not valid UTF-8: byte 0xff at offset 22"
    assert found[3].startswith("on-start line 2: bash syntax error near unexpected token `then'")
    # The exception message carries them all, for a CLI that just prints it.
    with pytest.raises(LifecycleConfigError, match=r"4 problem\(s\)"):
        cfg.validate()


def test_unterminated_if_reports_the_end_of_file_line():
    found = problems_of(LifecycleConfig("x", on_start="if true; then\n  echo hi\n"))
    assert found == ["on-start line 3: bash syntax error: unexpected end of file"]


def test_size_limit_counts_base64_characters():
    # 12288 bytes -> exactly 16384 base64 characters: allowed. One more byte -> 16388: refused.
    ok = "#" * 12287 + "\n"
    LifecycleConfig("big", on_start=ok).validate()
    too_big = "#" * 12288 + "\n"
    found = problems_of(LifecycleConfig("big", on_start=too_big))
    assert found == [
        "on-start: script is 12289 bytes, 16388 base64 characters; SageMaker's limit is 16384 "
        "(about 12288 bytes of script)"
    ]


def test_empty_script_is_refused():
    assert problems_of(LifecycleConfig("x", on_create="  \n")) == [
        "on-create: script is empty: remove the hook instead"
    ]


def test_lone_surrogate_in_str_is_reported_as_non_utf8():
    found = problems_of(LifecycleConfig("x", on_start="echo a\necho \udcff\n"))
    assert found == ["on-start line 2: not valid UTF-8 (character 12)"]


def test_to_sagemaker_body_base64_round_trip():
    cfg = LifecycleConfig("lcc", on_create="echo é\n", on_start="echo start\n")
    body = cfg.to_sagemaker()
    assert body["NotebookInstanceLifecycleConfigName"] == "lcc"
    assert base64.b64decode(body["OnCreate"][0]["Content"]).decode() == "echo é\n"
    assert base64.b64decode(body["OnStart"][0]["Content"]) == b"echo start\n"
    assert LifecycleConfig.from_sagemaker(body) == cfg


def test_to_sagemaker_omits_missing_hooks_and_refuses_invalid():
    assert "OnCreate" not in LifecycleConfig("x", on_start="true\n").to_sagemaker()
    with pytest.raises(LifecycleConfigError):
        LifecycleConfig("x_y", on_start="true\n").to_sagemaker()


def test_from_files_reads_bytes_and_reports_problems(tmp_path):
    good = tmp_path / "start.sh"
    good.write_text("echo hi\n")
    bad = tmp_path / "create.sh"
    bad.write_bytes(b"echo \xfe\r\n")
    cfg = LifecycleConfig.from_files("files", on_create=bad, on_start=good)
    found = problems_of(cfg)
    assert [p.split(":")[0] for p in found] == ["on-create line 1", "on-create line 1"]
    with pytest.raises(LifecycleConfigError, match="cannot read"):
        LifecycleConfig.from_files("x", on_start=tmp_path / "missing.sh")
