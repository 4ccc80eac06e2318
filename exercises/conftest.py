"""The visible tests' pytest set-up: the layerlab plugin, for the tests in this folder only.

Loaded from here rather than from an entry point, so that any other pytest run in
the same environment imports neither the plugin nor TensorFlow, and keeps its own
`--target` option.
"""

from layerlab.pytest_plugin import *  # noqa: F401,F403 (its hooks and the `exercise` fixture)
