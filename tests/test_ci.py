"""CI runs what the README tells a newcomer to run: the same test command, word for word."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO


def readme_test_command() -> str:
    first_block = re.search(r"```sh\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert first_block, "the README's first screen has a sh block"
    commands = [line for line in first_block.group(1).splitlines() if "pytest" in line]
    assert len(commands) == 1, commands
    return commands[0].strip()


def test_ci_runs_the_readme_test_command_with_its_fresh_venv() -> None:
    command = readme_test_command()
    assert command.startswith("python ")
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert '"$VENV/bin/python"' + command.removeprefix("python") in ci_lines


def test_the_parallel_runner_it_asks_for_is_a_test_dependency() -> None:
    if " -n " not in readme_test_command() + " ":
        pytest.skip("the README runs the tests in one process")
    pyproject = (REPO / "pyproject.toml").read_text()
    assert re.search(r'"pytest-xdist[>=<\d.]*"', pyproject)
