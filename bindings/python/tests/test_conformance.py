"""Every conformance case through the Python API gives the same JSON as the command line."""

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

import escalate
from conftest import conformance_cases


def argument(args, name):
    return args[args.index(name) + 1] if name in args else None


def through_python(args):
    """What the command line would print for `args`, computed through the Python API."""
    command, policy_path = args[0], args[1]
    if command == "check":
        text = Path(policy_path).read_text(encoding="utf-8")
        return {"diagnostics": [d.to_dict() for d in escalate.check(text, name=policy_path)]}
    assert command == "eval", f"unexpected command {command}"
    try:
        policy = escalate.Policy.from_file(policy_path)
        return policy.evaluate(
            data=Path(argument(args, "--data")),
            as_of=argument(args, "--as-of"),
            on=argument(args, "--on"),
        )
    except escalate.EscalateError as error:
        return {"diagnostics": [d.to_dict() for d in error.diagnostics]}


@pytest.mark.parametrize("case", conformance_cases(), ids=lambda p: p.name)
def test_python_gives_the_clis_json(case, cli, monkeypatch):
    args = shlex.split((case / "args").read_text())
    monkeypatch.chdir(case)
    run = subprocess.run([str(cli), *args], capture_output=True, text=True, check=False)
    expected = json.loads(run.stdout)
    assert through_python(args) == expected
    # The case's own expectation holds too (a sanity check that the comparison is not vacuous).
    if (case / "expected.json").exists():
        assert expected["as_of"] == json.loads((case / "expected.json").read_text())["as_of"]
    else:
        assert any(d["severity"] == "error" for d in expected["diagnostics"])


def test_there_are_cases_of_every_kind():
    names = [c.name for c in conformance_cases()]
    assert "01-callbacks" in names and "05-parse-error" in names and "17-data-errors-v1" in names
