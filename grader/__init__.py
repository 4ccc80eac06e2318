"""The layerlab grader: isolate, check, train, score, report, release, export."""
