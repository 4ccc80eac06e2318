"""Hostile: answers (not errors) that carry control characters and surrogates into the report."""


def build_flatten():
    return "\x1b[2J\ud800\x00"


def predict_output_shape():
    return ("\x1b[31m", "\ud800")


def flattened_length(shape):
    return {"\x1b[2J": "\udcff"}
