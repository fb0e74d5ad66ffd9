"""Data given as paths, CSV text, lists of dicts and DataFrames gives the same result, and bad
policies and bad data raise with the right codes and lines."""

import csv
import io
import json
from pathlib import Path

import pytest

import escalate
from conftest import CASES

CASE = CASES / "01-callbacks"
V1 = CASES / "v1" / "12-concern-response"


def rows(path: Path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def results(evaluation: dict) -> dict:
    """Everything but what names the inputs: the data summary (the inputs and their formats),
    and where each diagnostic was found (the same warnings must come, by severity and code)."""
    kept = {k: v for k, v in evaluation.items() if k not in ("data", "diagnostics")}
    kept["diagnostics"] = [(d["severity"], d["code"]) for d in evaluation.get("diagnostics", [])]
    return kept


@pytest.fixture(scope="module")
def policy():
    return escalate.Policy.from_file(CASE / "policy.policy")


def test_paths_text_dicts_and_dataframes_agree(policy):
    pd = pytest.importorskip("pandas")
    perf, subj = CASE / "data" / "performance.csv", CASE / "data" / "subjects.csv"
    by_path = policy.evaluate(performance=perf, subjects=subj, as_of="2026-10")
    by_text = policy.evaluate(performance=perf.read_text(), subjects=subj.read_text(), as_of="2026-10")
    by_dicts = policy.evaluate(performance=rows(perf), subjects=rows(subj), as_of="2026-10")
    by_frames = policy.evaluate(performance=pd.read_csv(perf), subjects=pd.read_csv(subj), as_of="2026-10")
    assert by_path["actions"], "the case must give actions, or agreeing proves little"
    assert results(by_text) == results(by_path)
    assert results(by_dicts) == results(by_path)
    assert results(by_frames) == results(by_path)
    counts = lambda e: [(f["kind"], f["rows_read"], f["rows_used"]) for f in e["data"]["files"]]
    assert counts(by_frames) == counts(by_dicts) == counts(by_text) == counts(by_path)
    assert [f["format"] for f in by_frames["data"]["files"]] == ["json", "json"]


def test_events_are_accepted_as_every_kind_of_input():
    pd = pytest.importorskip("pandas")
    policy = escalate.Policy.from_file(V1 / "policy.policy")
    args = (V1 / "args").read_text().split()
    as_of, on = args[args.index("--as-of") + 1], args[args.index("--on") + 1]
    data = {p.stem: p for p in (V1 / "data").glob("*.csv")}
    assert "events" in data
    by_path = policy.evaluate(**data, as_of=as_of, on=on)
    by_dicts = policy.evaluate(**{k: rows(p) for k, p in data.items()}, as_of=as_of, on=on)
    by_frames = policy.evaluate(**{k: pd.read_csv(p, dtype=str, keep_default_na=False)
                                   for k, p in data.items()}, as_of=as_of, on=on)
    assert by_path["actions"]
    assert results(by_dicts) == results(by_path)
    assert results(by_frames) == results(by_path)


def test_dataframe_missing_values_are_unknown_not_zero(policy):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "subject": ["c01", "c01"],
        "period": ["2026-09", "2026-10"],
        "callback_in_time": [70.0, float("nan")],
        "callbacks": [40, 41],
    })
    result = policy.evaluate(performance=frame, as_of="2026-10")
    first = result["undecided"][0]
    assert (first["subject"], first["rule"]) == ("c01", "first_month")
    assert first["missing"] == [{"metric": "callback_in_time", "period": "2026-10"}]
    assert result["actions"] == []


def test_a_bad_policy_raises_policy_error_with_code_and_line():
    text = (CASE / "policy.policy").read_text().replace("when callback_in_time", "when callback_in_tim", 1)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "callback_in_tim " in l)
    with pytest.raises(escalate.PolicyError) as raised:
        escalate.Policy.from_text(text, name="typo.policy")
    first = raised.value.diagnostics[0]
    assert (first.code, first.line, first.file) == ("check::unknown_metric", line, "typo.policy")
    assert first.column > 0 and "callback_in_time" in (first.help or "")
    assert "typo.policy" in str(raised.value)
    assert escalate.check(text)[0].code == "check::unknown_metric"


def test_a_parse_error_has_its_line_and_column():
    problems = escalate.check('policy "P"\nrule r {')
    assert problems[0].severity == "error" and problems[0].line == 2


def test_a_missing_policy_file_raises_policy_error(tmp_path):
    with pytest.raises(escalate.PolicyError) as raised:
        escalate.Policy.from_file(tmp_path / "nothing.policy")
    assert raised.value.diagnostics[0].code == "policy::unreadable"


def test_bad_data_raises_data_error_with_code_and_line(policy):
    text = "subject,period,callback_in_time,callbacks\nc01,2026-10,85,40\nc02,2026-10,eighty,40\n"
    with pytest.raises(escalate.DataError) as raised:
        policy.evaluate(performance=text, as_of="2026-10")
    first = raised.value.diagnostics[0]
    assert (first.file, first.line, first.column) == ("performance (text)", 3, 3)
    assert first.code.startswith("data::")


def test_bad_rows_are_named_by_their_position(policy):
    rows_ = [{"subject": "c01", "period": "2026-10", "callback_in_time": 85, "callbacks": 40},
             {"subject": "c02", "period": "2026-13", "callback_in_time": 85, "callbacks": 40}]
    with pytest.raises(escalate.DataError) as raised:
        policy.evaluate(performance=rows_, as_of="2026-10")
    first = raised.value.diagnostics[0]
    assert (first.file, first.line) == ("performance (rows)", 2)


def test_a_dataframe_row_error_names_its_row(policy):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"subject": ["c01", "c02", "c03"], "period": ["2026-10"] * 3,
                          "callback_in_time": [85, 150, 90], "callbacks": [40, 40, 40]})
    with pytest.raises(escalate.DataError) as raised:
        policy.evaluate(performance=frame, as_of="2026-10")
    first = raised.value.diagnostics[0]
    assert (first.file, first.line) == ("performance (DataFrame)", 2)


def test_a_bad_month_or_input_type_is_a_usage_error(policy):
    with pytest.raises(ValueError):
        policy.evaluate(performance="subject,period\n", as_of="October")
    with pytest.raises(TypeError):
        policy.evaluate(performance=42, as_of="2026-10")


def test_explain_and_backtest_give_the_clis_documents(policy, cli, tmp_path):
    import subprocess
    data = CASE / "data"
    explained = policy.explain(data=data, as_of="2026-10", subject="c01")
    run = subprocess.run([str(cli), "explain", str(CASE / "policy.policy"), "--data", str(data),
                          "--as-of", "2026-10", "--subject", "c01", "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert explained == json.loads(run.stdout)
    history = policy.backtest(data=data, from_month="2026-07", to_month="2026-10")
    run = subprocess.run([str(cli), "backtest", str(CASE / "policy.policy"), "--data", str(data),
                          "--from", "2026-07", "--to", "2026-10", "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert history == json.loads(run.stdout)
