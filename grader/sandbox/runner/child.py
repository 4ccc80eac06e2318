"""The untrusted child: imports the learner's files and answers requests with plain data.

Runs as `python -I child.py REQUEST_FD RESPONSE_FD SUBMISSION_DIR` with a copy of
wire.py beside it, its cwd a scratch folder, or is forked by zygote.py, which calls
`run` once the fork is confined; the submission's files are read only. Nothing here is trusted by the
grader: every answer is re-checked in the parent. This file never sees the
solutions, the checks, the held-out labels or where results are written.
"""

from __future__ import annotations

import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for wire.py beside this file

import builtins  # noqa: E402
import resource  # noqa: E402

import wire  # noqa: E402

# The builtins as they were before any learner code ran: a learner file that replaces
# isinstance or type must not break the code that answers the parent.
_PRISTINE_BUILTINS = dict(vars(builtins))


def _restore_builtins() -> None:
    current = vars(builtins)
    for name in [name for name in current if name not in _PRISTINE_BUILTINS]:
        del current[name]
    current.update(_PRISTINE_BUILTINS)

FILE_SIZE_LIMIT = 256 * 1024 * 1024  # no single file the learner writes grows past this
SEED = int(os.environ.get("LAYERLAB_SEED", "1234"))
SUBMISSION_DIR = sys.argv[3] if len(sys.argv) > 3 else os.getcwd()  # the learner's files, read only


def _limit_resources() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    processes = int(os.environ.get("LAYERLAB_NPROC", "0"))
    if processes > 0:  # soft and hard: the learner's code cannot raise it again
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def _set_seeds(seed: int = SEED) -> None:
    import keras

    keras.utils.set_random_seed(seed)


class Learner:
    """The learner's modules, read into memory before any of their code runs.

    Reading first means a file that deletes or rewrites its neighbours at
    import cannot change what the others are graded on.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.modules: dict = {}
        self.sources: dict = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    self.sources[name[:-3]] = handle.read()

    def load(self, name: str):
        if name in self.modules:
            return self.modules[name]
        import types

        path = os.path.join(self.folder, f"{name}.py")
        if name not in self.sources:
            raise FileNotFoundError(f"{name}.py is not in the submission")
        module = types.ModuleType(f"submission_{name}")
        module.__file__ = path
        sys.modules[module.__name__] = module
        try:
            exec(compile(self.sources[name], path, "exec"), module.__dict__)
        finally:
            _restore_builtins()
        self.modules[name] = module
        return module


def _where(error: BaseException) -> dict:
    """The learner's own line the error came from (file and line), if any."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(SUBMISSION_DIR)]
    if isinstance(error, SyntaxError) and error.filename:
        return {"file": os.path.basename(error.filename), "line": error.lineno}
    if frames:
        return {"file": os.path.basename(frames[-1].filename), "line": frames[-1].lineno}
    return {}


def _error(error: BaseException) -> dict:
    if isinstance(error, NotImplementedError):
        kind = "not_started"
    elif isinstance(error, SyntaxError):
        kind = "syntax_error"
    else:
        kind = "raised"
    return {"kind": kind, "type": type(error).__name__, "message": _useful_line(str(error))[:500],
            **_where(error)}


def _useful_line(text: str) -> str:
    """The line of an error that says what went wrong (Keras 3 puts a preamble and colours first)."""
    import re

    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line and not line.startswith("Exception encountered when calling")]
    return lines[0] if lines else ""


def materialize(value):
    """Arguments from the parent: a described Keras layer or matplotlib figure becomes a real one."""
    if isinstance(value, wire.Described) and value.kind == "keras":
        import keras
        import numpy as np

        layer = keras.saving.deserialize_keras_object(value["config"])
        weights = [np.asarray(w) for w in value["weights"]]
        if weights and value.get("input_shape"):
            layer.build(tuple(value["input_shape"]))
        if weights:
            layer.set_weights(weights)
        return layer
    if isinstance(value, wire.Described) and value.kind == "figure":
        return _figure(value)
    if isinstance(value, wire.Described) and value.kind == "symbolic":  # a keras.Input, as a model builds
        import keras

        return keras.Input(batch_shape=tuple(value["shape"]), dtype=str(value["dtype"]))
    if type(value) is list:
        return [materialize(item) for item in value]
    if type(value) is tuple:
        return tuple(materialize(item) for item in value)
    return value


def _figure(description):
    """A Figure drawn from its description: one panel per axes, its images and title.

    Made without pyplot, so it is not pyplot's current figure: code that saves
    plt.gcf() instead of the figure it was given saves another (empty) one.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [axes for axes in description["axes"] if not axes.get("is_colorbar")]
    figure = Figure()
    FigureCanvasAgg(figure)
    axes_list = figure.subplots(1, max(1, len(panels)), squeeze=False)
    for axes, panel in zip(axes_list[0], panels):
        for image in panel.get("images", []):
            axes.imshow(image)
        axes.set_title(panel.get("title", ""))
    return figure


def _call(learner: Learner, request: dict):
    function = getattr(learner.load(request["module"]), request["function"], None)
    if not callable(function):
        return {"ok": False, "error": {"kind": "missing_function", "type": "", "message": request["function"]}}
    args = materialize(wire.decode(request.get("args", [])))
    kwargs = {k: materialize(v) for k, v in wire.decode(request.get("kwargs", {"t": "dict", "v": {}})).items()}
    _set_seeds()
    try:
        value = function(*args, **kwargs)
    finally:
        _restore_builtins()
    return {"ok": True, "value": wire.encode(value)}


def _set_up(learner: Learner, request: dict):
    """The training gate's child half: the learner's model, built and compiled; nothing is trained here.

    The answer is the model's config and compile settings: the parent trains a
    fresh copy itself (grader/gate.py), and check_train_model_is_one_fit proves
    that train_model is the plain fit() the parent's training stands for.
    """
    import keras

    module = learner.load(request["module"])
    build, compile_model = request["functions"]  # e.g. build_trainable_model, compile_model
    for name in (build, compile_model):
        if not callable(getattr(module, name, None)):
            return {"ok": False, "error": {"kind": "missing_function", "type": "", "message": name}}
    _set_seeds()
    try:
        model = getattr(module, build)()
        compiled = getattr(module, compile_model)(model)
        if isinstance(compiled, keras.Model):
            model = compiled
    finally:
        _restore_builtins()
    return {"ok": True, "value": wire.encode(model)}


def serve(request_fd: int, response_fd: int) -> None:
    learner = Learner(SUBMISSION_DIR)
    handlers = {"call": _call, "set_up": _set_up,
                "import": lambda learner, request: (learner.load(request["module"]), {"ok": True})[1]}
    while True:
        try:
            request = wire.read_frame(request_fd)
        except EOFError:
            return
        try:
            response = handlers[request["op"]](learner, request)
        except BaseException as error:  # SystemExit and KeyboardInterrupt too: they are answers
            response = {"ok": False, "error": _error(error)}
        response["id"] = request.get("id")
        try:
            wire.write_frame(response_fd, response)
        except (TypeError, ValueError) as error:  # a value json cannot write: say so
            wire.write_frame(response_fd, {"id": request.get("id"), "ok": False,
                                           "error": {"kind": "raised", "type": "WireError", "message": str(error)}})


def preload() -> None:
    """Import what every child needs; the zygote (zygote.py) does this once, before it forks any child."""
    import matplotlib

    matplotlib.use("Agg")
    import keras  # noqa: F401
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401


def run(request_fd: int, response_fd: int, submission_dir: str) -> None:
    """Limit this process, say "ready" with the versions, then answer requests until the pipe closes."""
    global SUBMISSION_DIR
    SUBMISSION_DIR = submission_dir
    _limit_resources()
    preload()
    import keras
    import numpy
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    _set_seeds()
    wire.write_frame(response_fd, {"id": "ready", "ok": True, "versions": {
        "python": sys.version.split()[0], "tensorflow": tf.__version__,
        "keras": keras.__version__, "numpy": numpy.__version__}})
    serve(request_fd, response_fd)


def main() -> None:
    run(int(sys.argv[1]), int(sys.argv[2]), SUBMISSION_DIR)


if __name__ == "__main__":
    main()
