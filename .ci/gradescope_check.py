"""Check one results.json of the Gradescope lane: Gradescope's schema, the expected score, the
always-visible summary test and the learner's identity. Usage:
    python .ci/gradescope_check.py RESULTS.json full|zero|partial LEARNER_NAME
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from contracts import gradescope_problems  # noqa: E402


def main(path: str, expected: str, learner: str) -> int:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = gradescope_problems(document)
    score, maximum = document["score"], document["extra_data"]["max_score"]
    checks = [t for t in document["tests"] if not t.get("extra_data", {}).get("summary")]
    summary = [t for t in document["tests"] if t.get("extra_data", {}).get("summary")]
    wanted = {"full": maximum > 0 and score == maximum, "zero": score == 0 and maximum > 0,
              "partial": 0 < score < maximum}[expected]
    if not wanted:
        failing = [f"{t['name']}: {t['output'][:200]}" for t in checks if t["status"] != "passed"][:15]
        problems.append(f"score {score} / {maximum} is not {expected}:\n    " + "\n    ".join(failing))
    if len(summary) != 1 or summary[0]["visibility"] != "visible":
        problems.append("no always-visible summary test")
    if sum(t["max_score"] for t in checks) != maximum:
        problems.append(f"the checks' max_score add up to {sum(t['max_score'] for t in checks)!r}, not exactly {maximum!r}")
    if document["extra_data"].get("learner", {}).get("name") != learner:
        problems.append(f"learner: {document['extra_data'].get('learner')!r}, expected the name {learner!r}")
    versions = document["extra_data"]["versions"]
    print(f"{path}: {score} / {maximum} ({expected}); python {versions.get('python')}, "
          f"tensorflow {versions.get('tensorflow')}, keras {versions.get('keras')}; "
          f"isolation: {document['extra_data']['isolation']['mode']}")
    print("  summary: " + (summary[0]["output"].replace("\n", " | ") if summary else "none"))
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
