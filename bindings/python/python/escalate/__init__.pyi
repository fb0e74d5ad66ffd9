"""Type stubs for the escalate package."""

import datetime
import os
from pathlib import Path
from typing import Any, List, Optional, Sequence, Union

_Month = Union[str, datetime.date]
_Day = Union[str, datetime.date, None]
# A pathlib.Path (a file), CSV text, a list of dicts (one per row), or a pandas DataFrame.
_Data = Union[os.PathLike, str, Sequence[dict], Any, None]

class Diagnostic:
    severity: str
    code: str
    message: str
    help: Optional[str]
    file: str
    line: int
    column: int
    def __init__(
        self,
        severity: str,
        code: str,
        message: str,
        help: Optional[str],
        file: str,
        line: int,
        column: int,
    ) -> None: ...
    def to_dict(self) -> dict: ...

class EscalateError(Exception):
    diagnostics: List[Diagnostic]
    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None: ...

class PolicyError(EscalateError): ...
class DataError(EscalateError): ...

def check(policy_text: str, name: str = "policy") -> List[Diagnostic]: ...

class Policy:
    file: str
    @classmethod
    def from_text(cls, text: str, name: str = "policy") -> Policy: ...
    @classmethod
    def from_file(cls, path: Union[str, os.PathLike]) -> Policy: ...
    @property
    def name(self) -> str: ...
    @property
    def warnings(self) -> List[Diagnostic]: ...
    def evaluate(
        self,
        performance: _Data = None,
        concerns: _Data = None,
        subjects: _Data = None,
        events: _Data = None,
        *,
        as_of: _Month,
        on: _Day = None,
        data: Optional[os.PathLike] = None,
        only_subjects: Optional[Sequence[str]] = None,
    ) -> dict: ...
    def explain(
        self,
        performance: _Data = None,
        concerns: _Data = None,
        subjects: _Data = None,
        events: _Data = None,
        *,
        as_of: _Month,
        subject: str,
        rule: Optional[str] = None,
        case: Optional[str] = None,
        on: _Day = None,
        data: Optional[os.PathLike] = None,
    ) -> dict: ...
    def backtest(
        self,
        performance: _Data = None,
        concerns: _Data = None,
        subjects: _Data = None,
        events: _Data = None,
        *,
        from_month: _Month,
        to_month: _Month,
        data: Optional[os.PathLike] = None,
    ) -> dict: ...
