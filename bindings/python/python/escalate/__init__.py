"""escalate: check and evaluate escalation policies (`.policy` files) from Python.

>>> import escalate
>>> policy = escalate.Policy.from_file("policies/callbacks.policy")          # doctest: +SKIP
>>> result = policy.evaluate(performance=df, as_of="2026-10")               # doctest: +SKIP
>>> result["actions"][0]["rule"]                                            # doctest: +SKIP

Data may be given as a ``pathlib.Path`` (a CSV or JSON file), a ``str`` of CSV text, a list
of dicts (one per row, keys as the column headings), or a pandas ``DataFrame``. Results are
the same JSON documents as the command line's ``--format json``, as plain dicts.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from . import _escalate

__all__ = [
    "Diagnostic",
    "EscalateError",
    "PolicyError",
    "DataError",
    "Policy",
    "check",
]

_KINDS = ("performance", "concerns", "subjects", "events")


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One problem: an error or a warning, with where it is and how to fix it."""

    severity: str
    """``"error"`` or ``"warning"``."""
    code: str
    """A stable identifier such as ``check::unknown_metric``."""
    message: str
    """What is wrong."""
    help: Optional[str]
    """How to fix it, when there is advice."""
    file: str
    """The file (or data name) it is about."""
    line: int
    """1-based line (0 when the problem has no place)."""
    column: int
    """1-based column (0 when the problem has no place)."""

    @classmethod
    def _from_json(cls, text: str) -> List["Diagnostic"]:
        return [cls(**record) for record in json.loads(text)]

    def to_dict(self) -> dict:
        """The diagnostic as the command line's JSON prints it."""
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{place}: {self.severity}[{self.code}]: {self.message}"
        return text + (f"\n  help: {self.help}" if self.help else "")


class EscalateError(Exception):
    """A problem that stops escalate; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics: List[Diagnostic] = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"] or self.diagnostics
        super().__init__("\n".join(str(d) for d in errors))


class PolicyError(EscalateError):
    """The policy does not parse or check."""


class DataError(EscalateError):
    """The data does not fit the policy (every bad row is listed, with its line)."""


def check(policy_text: str, name: str = "policy") -> List[Diagnostic]:
    """Every error and warning in a policy's text (empty when it is clean)."""
    return Diagnostic._from_json(_escalate.check(name, policy_text))


def _json_value(value: Any) -> Any:
    """A cell as JSON: dates as ISO text, missing values (None, NaN, NaT) as null."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()  # numpy scalars
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, _dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if type(value).__name__ in ("NaTType",):
        return None
    if type(value).__name__ == "Period":
        return str(value)
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _rows_json(rows: Iterable[dict]) -> str:
    """A list of dicts as a JSON list with the n-th row on line n, so errors name its position."""
    parts = []
    for row in rows:
        if not isinstance(row, dict):
            raise TypeError(f"each row must be a dict, not {type(row).__name__}")
        parts.append(json.dumps({str(k): _json_value(v) for k, v in row.items()}))
    return "[" + ",\n".join(parts) + "]"


def _is_dataframe(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith("pandas") and type(value).__name__ == "DataFrame"


def _source(kind: str, value: Any) -> Tuple[str, str, str, str]:
    """One data argument as (kind, name, format, contents) for the native module."""
    if isinstance(value, os.PathLike):
        return (kind, os.fspath(value), "file", os.fspath(value))
    if isinstance(value, str):
        return (kind, f"{kind} (text)", "csv", value)
    if _is_dataframe(value):
        frame = value.reset_index(drop=True)
        rows = frame.to_dict(orient="records")
        return (kind, f"{kind} (DataFrame)", "json", _rows_json(rows))
    if isinstance(value, (list, tuple)):
        return (kind, f"{kind} (rows)", "json", _rows_json(value))
    raise TypeError(
        f"{kind}= takes a pathlib.Path, CSV text (str), a list of dicts or a pandas "
        f"DataFrame, not {type(value).__name__}"
    )


def _sources(data: Any, given: dict) -> List[Tuple[str, str, str, str]]:
    sources = []
    if data is not None:
        if not isinstance(data, os.PathLike):
            raise TypeError("data= takes a pathlib.Path of a folder of data files")
        sources.append(("data", os.fspath(data), "dir", os.fspath(data)))
    for kind in _KINDS:
        if given.get(kind) is not None:
            sources.append(_source(kind, given[kind]))
    return sources


def _month(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{value.year:04}-{value.month:02}"
    return str(value)


def _day(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _result(outcome: Tuple[str, str]) -> dict:
    kind, payload = outcome
    if kind == "ok":
        return json.loads(payload)
    diagnostics = Diagnostic._from_json(payload)
    if kind == "policy":
        raise PolicyError(diagnostics)
    raise DataError(diagnostics)


class Policy:
    """A checked policy, ready to evaluate. Make one with ``from_text`` or ``from_file``."""

    def __init__(self, native: Any, name: str):
        self._native = native
        self.file = name

    @classmethod
    def from_text(cls, text: str, name: str = "policy") -> "Policy":
        """Parses and checks a policy's text; raises ``PolicyError`` with every problem."""
        native, problems = _escalate.Policy.from_text(name, text)
        if native is None:
            raise PolicyError(Diagnostic._from_json(problems))
        return cls(native, name)

    @classmethod
    def from_file(cls, path: "str | os.PathLike[str]") -> "Policy":
        """Reads, parses and checks a policy file; raises ``PolicyError``."""
        path = os.fspath(path)
        native, problems = _escalate.Policy.from_path(path)
        if native is None:
            raise PolicyError(Diagnostic._from_json(problems))
        return cls(native, path)

    @property
    def name(self) -> str:
        """The policy's name (its ``policy "..."`` line)."""
        return self._native.name

    @property
    def warnings(self) -> List[Diagnostic]:
        """The checker's warnings."""
        return Diagnostic._from_json(self._native.warnings())

    def evaluate(
        self,
        performance: Any = None,
        concerns: Any = None,
        subjects: Any = None,
        events: Any = None,
        *,
        as_of: Any,
        on: Any = None,
        data: Any = None,
        only_subjects: Optional[Sequence[str]] = None,
    ) -> dict:
        """The required actions in the month ``as_of`` (``"2026-10"``): the same object as
        ``escalate eval --format json``. ``on`` is the decision date (default: the month's
        last day); ``data`` a folder of data files (as ``--data``), which the other
        arguments override; ``only_subjects`` limits the subjects evaluated."""
        sources = _sources(data, dict(performance=performance, concerns=concerns,
                                      subjects=subjects, events=events))
        return _result(self._native.evaluate(sources, _month(as_of), _day(on),
                                             list(only_subjects or [])))

    def explain(
        self,
        performance: Any = None,
        concerns: Any = None,
        subjects: Any = None,
        events: Any = None,
        *,
        as_of: Any,
        subject: str,
        rule: Optional[str] = None,
        case: Optional[str] = None,
        on: Any = None,
        data: Any = None,
    ) -> dict:
        """Why each rule did or did not fire for one subject (``escalate explain --format json``)."""
        sources = _sources(data, dict(performance=performance, concerns=concerns,
                                      subjects=subjects, events=events))
        return _result(self._native.explain(sources, _month(as_of), subject, _day(on), rule, case))

    def backtest(
        self,
        performance: Any = None,
        concerns: Any = None,
        subjects: Any = None,
        events: Any = None,
        *,
        from_month: Any,
        to_month: Any,
        data: Any = None,
    ) -> dict:
        """Replays the policy for every month from ``from_month`` to ``to_month``: the
        ``escalate backtest --format json`` document (without a comparison)."""
        sources = _sources(data, dict(performance=performance, concerns=concerns,
                                      subjects=subjects, events=events))
        return _result(self._native.backtest(sources, _month(from_month), _month(to_month)))

    def __repr__(self) -> str:
        return f"<escalate.Policy {self.name!r} from {self.file!r}>"
