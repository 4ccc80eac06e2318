"""The platforms' result contracts, as checks: what in a document its consumer would reject.

Gradescope: results.json per gradescope/autograder_samples docs/specs.md.
Classroom 50: result.json per foundation50/classroom50 wiki/Advanced-Autograding.md
("The result.json contract"). Each returns a list of problems, empty when there are none.
Used by tests/test_export.py and by the CI lanes (.ci/gradescope-lane).
"""

from __future__ import annotations

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
CLASSROOM50_SCHEMA = "classroom50/result/v1"
CLASSROOM50_STRINGS = ("classroom", "assignment", "submission", "commit", "release", "review", "datetime")


def _need(problems: list, where: str, value, kinds, allowed=None) -> None:
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        problems.append(f"{where}: {value!r} is a boolean, not {kinds}")
    elif not isinstance(value, kinds):
        problems.append(f"{where}: {value!r} is not {kinds}")
    elif allowed is not None and value not in allowed:
        problems.append(f"{where}: {value!r} is not one of {sorted(allowed)}")


def gradescope_problems(document: dict) -> list[str]:
    """What in a results.json breaks Gradescope's schema."""
    problems: list[str] = []
    _need(problems, "score", document.get("score"), (int, float))
    _need(problems, "execution_time", document.get("execution_time"), (int, float))
    _need(problems, "output", document.get("output"), str)
    _need(problems, "visibility", document.get("visibility"), str, VISIBILITY)
    _need(problems, "stdout_visibility", document.get("stdout_visibility"), str, VISIBILITY)
    _need(problems, "tests", document.get("tests"), list)
    for number, test in enumerate(document.get("tests") or []):
        where = f"tests[{number}]"
        _need(problems, where, test, dict)
        if not isinstance(test, dict):
            continue
        _need(problems, f"{where}.score", test.get("score"), (int, float))
        _need(problems, f"{where}.max_score", test.get("max_score"), (int, float))
        _need(problems, f"{where}.name", test.get("name"), str)
        _need(problems, f"{where}.output", test.get("output"), str)
        _need(problems, f"{where}.visibility", test.get("visibility"), str, VISIBILITY)
        _need(problems, f"{where}.status", test.get("status"), str, {"passed", "failed"})
        _need(problems, f"{where}.tags", test.get("tags"), list)
        for tag in test.get("tags") or []:
            _need(problems, f"{where}.tags[]", tag, str)
    return problems


def classroom50_problems(document: dict) -> list[str]:
    """What in a result.json Classroom 50's collect-scores would reject (the fields an autograder writes;
    owner and assignment_type are stamped by their runner)."""
    problems: list[str] = []
    if document.get("schema") != CLASSROOM50_SCHEMA:
        problems.append(f"schema: {document.get('schema')!r} is not {CLASSROOM50_SCHEMA!r}")
    for key in CLASSROOM50_STRINGS:
        _need(problems, key, document.get(key), str)
    _need(problems, "score", document.get("score"), int)
    _need(problems, "max-score", document.get("max-score"), int)
    _need(problems, "tests", document.get("tests"), list)
    tests = [t for t in document.get("tests") or [] if isinstance(t, dict)]
    if len(tests) != len(document.get("tests") or []):
        problems.append("tests: every entry must be an object")
    names = set()
    for number, test in enumerate(tests):
        where = f"tests[{number}]"
        _need(problems, f"{where}.test-name", test.get("test-name"), str)
        _need(problems, f"{where}.passed", test.get("passed"), bool)
        _need(problems, f"{where}.score", test.get("score"), int)
        _need(problems, f"{where}.max-score", test.get("max-score"), int)
        name = test.get("test-name")
        if isinstance(name, str):
            if name in names:
                problems.append(f"{where}.test-name: {name!r} twice")
            if len(name.encode("utf-8")) > 100 or any(not ch.isprintable() for ch in name):
                problems.append(f"{where}.test-name: longer than 100 bytes or has control characters")
            names.add(name)
        score, maximum = test.get("score"), test.get("max-score")
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (score, maximum)) \
                and not 0 <= score <= maximum:
            problems.append(f"{where}: score {score} is not between 0 and max-score {maximum}")
    if all(isinstance(t.get(k), int) for t in tests for k in ("score", "max-score")):
        if document.get("score") != sum(t["score"] for t in tests):
            problems.append("score: not the sum of the tests' scores")
        if document.get("max-score") != sum(t["max-score"] for t in tests):
            problems.append("max-score: not the sum of the tests' max-scores")
    return problems
