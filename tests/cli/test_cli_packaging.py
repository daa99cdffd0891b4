"""Issue 16 item 5: the LICENSE file, ``__version__``, ``--version`` and shell completion."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import conversations_sdk
from conversations_sdk.cli._cli import _tree, build_parser, completion_script
from conversations_sdk.cli._run import EXIT_OK, EXIT_USAGE
from tests._support.cli import CLI

_ROOT = Path(__file__).resolve().parents[2]


def test_version_comes_from_the_package_metadata(cli: CLI) -> None:
    """``__version__`` and ``--version`` both report the installed distribution's version."""
    installed = importlib.metadata.version("conversations-sdk")
    assert conversations_sdk.__version__ == installed
    result = cli("--version")
    assert result.status == EXIT_OK
    assert result.out == f"conversations-sdk {installed}\n"


def test_license_file_matches_the_declared_license() -> None:
    """The repository ships the MIT text that pyproject.toml's ``license = "MIT"`` declares."""
    pyproject = (_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "MIT"$', pyproject, re.MULTILINE)
    text = (_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_completion_script_names_every_command() -> None:
    """The script is generated from the parser, so every command and option is in it."""
    script = completion_script("bash")
    for path, parser in _tree(build_parser()):
        assert (path or "''") in script
        for action in parser._actions:
            for option in action.option_strings:
                assert option in script
    assert completion_script("zsh").startswith("autoload -U +X bashcompinit && bashcompinit\n")
    with pytest.raises(ValueError, match="fish"):
        completion_script("fish")


def test_completion_command_prints_the_script(cli: CLI) -> None:
    """``completion bash`` prints the script; an unknown shell is a usage error."""
    assert cli.ok("completion", "bash").out == completion_script("bash")
    assert cli("completion", "fish").status == EXIT_USAGE


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        pytest.param(
            [""],
            "serve create get update delete items export import fork completion",
            id="commands",
        ),
        pytest.param(["it"], "items", id="prefix"),
        pytest.param(["items", ""], "list add get delete", id="nested"),
        pytest.param(["items", "list", "conv_1", "--or"], "--order", id="option"),
        pytest.param(["items", "list", "conv_1", "--order", ""], "asc desc", id="choices"),
        pytest.param(["export", "conv_1", "-o", "back"], "backup.jsonl", id="file-option"),
        pytest.param(["import", "back"], "backup.jsonl", id="file-argument"),
        pytest.param(
            ["create", "--key", "items", "--res"], "--resume", id="value-is-not-a-command"
        ),
        pytest.param(
            ["items", "get", "c", "m", "--include", "message.o"],
            "message.output_text.logprobs",
            id="include-values",
        ),
        pytest.param(["--v"], "--version", id="top-level-option"),
    ],
)
def test_bash_completes_commands_options_and_files(
    tmp_path: Path, words: list[str], expected: str
) -> None:
    """Sourced in bash, the script offers what a user expects at each position."""
    (tmp_path / "backup.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "script.bash").write_text(completion_script("bash"), encoding="utf-8")
    quoted = " ".join(f"'{w}'" for w in ["conversations-sdk", *words])
    probe = (
        "source script.bash\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words)}\n"
        '_conversations_sdk; echo "${COMPREPLY[*]}"\n'
    )
    done = subprocess.run(  # noqa: S603 - fixed argv, our own script
        [str(shutil.which("bash")), "--norc", "--noprofile", "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.strip() == expected
