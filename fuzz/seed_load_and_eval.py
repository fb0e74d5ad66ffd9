#!/usr/bin/env python3
"""Writes seed inputs for the `load_and_eval` fuzz target into fuzz/corpus/load_and_eval/:
each bundled policy with its example data, and each conformance case, in the target's format
(the policy and the data files separated by lines holding only `%%`)."""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "fuzz" / "corpus" / "load_and_eval"
out.mkdir(parents=True, exist_ok=True)
FILES = ["performance.csv", "concerns.csv", "subjects.csv", "events.csv"]


def seed(name, policy, folder):
    parts = [policy.read_text().rstrip("\n")]
    for f in FILES:
        path = folder / f
        parts.append(path.read_text()[:20000] if path.exists() else "")
    (out / name).write_text("\n%%\n".join(parts))


pairs = {
    "ooh_callbacks": "ooh",
    "contractor_concerns": "contractors",
    "practice_scorecard": "practices",
    "action_plan_delays": "psr",
}
for policy, data in pairs.items():
    seed(policy, root / "policies" / f"{policy}.policy", root / "examples" / "data" / data)
for case in sorted((root / "tests" / "fixtures" / "conformance").glob("*/")):
    if (case / "policy.policy").exists() and (case / "data").is_dir():
        seed("conformance-" + case.name, case / "policy.policy", case / "data")
for case in sorted((root / "tests" / "fixtures" / "conformance" / "v1").glob("*/")):
    if (case / "policy.policy").exists() and (case / "data").is_dir():
        seed("v1-" + case.name, case / "policy.policy", case / "data")
print(len(list(out.iterdir())), "seeds in", out)
