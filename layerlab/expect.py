"""Checks that teach: the helpers every visible test uses.

Each helper raises `Incorrect` (an AssertionError whose message is written for
a learner) or `NotStarted`, cascading from the coarsest mistake to the finest:
type -> dtype -> rank -> shape -> values. Expected values are never printed for
an answer the learner has to work out.
"""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping

import numpy as np

from layerlab.messages import say
from layerlab.misconceptions import explain, from_error, name_the_mistake, setting_difference


class Incorrect(AssertionError):
    """A wrong answer; the message says what is wrong and what to try.

    `misconception` is the catalogued mistake the answer matches, if any;
    `learner_error` the exception the learner's own code raised, if it did
    (its traceback is shown with -v, see layerlab.failures).
    """

    def __init__(self, message: str, misconception: str | None = None,
                 learner_error: BaseException | None = None):
        super().__init__(message)
        self.misconception = misconception
        self.learner_error = learner_error


class NotStarted(Exception):
    """The learner has not replaced `raise NotImplementedError` yet."""


def incorrect(message: str, key: str | None = None) -> Incorrect:
    """A wrong answer, with the catalogued misconception's words when one matches."""
    return Incorrect(f"{message}\n  {explain(key)}" if key else message, key)


# ----------------------------------------------------------------- loading


def load_exercise(path: Path) -> ModuleType:
    """Import a learner's file by path, turning every failure into words."""
    path = Path(path)
    shown = _shown(path)
    if not path.is_file():
        raise Incorrect(say("missing_file", path=shown))
    try:
        source = path.read_text(encoding="utf-8")
        code = compile(source, str(path), "exec")
    except UnicodeDecodeError as error:
        raise Incorrect(say("import_error", path=shown, error=say("describe.not_utf8", reason=error.reason))) from None
    except SyntaxError as error:
        raise Incorrect(say("syntax_error", path=shown, line=error.lineno, detail=error.msg)) from None
    name = f"layerlab_target_{path.parent.name}_{path.stem}"
    module = ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except NotImplementedError:
        raise NotStarted(say("not_started", function="(module level)", path=shown)) from None
    except Exception as error:  # an import the learner added, a typo at module level ...
        raise Incorrect(say("import_error", path=shown, error=_describe(error, path)), learner_error=error) from None
    return module


def _shown(path: Path) -> str:
    """exercises/ex02_conv2d.py rather than a long absolute path."""
    return f"{path.parent.name}/{path.name}"


def useful_line(text: str) -> str:
    """The line of an error message that says what went wrong.

    Keras 3 wraps errors raised in a layer call in a preamble ("Exception encountered
    when calling ...") and bold colour codes: skip both.
    """
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Exception encountered when calling")]
    return lines[0] if lines else ""


def _describe(error: BaseException, path: Path | None) -> str:
    name = type(error).__name__
    if path is not None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
        if frames:
            name = say("describe.at_line", error=name, line=frames[-1].lineno)
    first = useful_line(str(error))
    return f"{name}: {first}" if first else name


def call(module: ModuleType, function: str, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's `function`; not started and crashes become messages."""
    path = Path(getattr(module, "__file__", "?"))
    target: Callable | None = getattr(module, function, None)
    if not callable(target):
        raise Incorrect(say("missing_function", function=function, path=_shown(path)))
    try:
        return target(*args, **kwargs)
    except NotImplementedError:
        raise NotStarted(say("not_started", function=function, path=_shown(path))) from None
    except (Incorrect, NotStarted):
        raise
    except Exception as error:
        message = say("raised", function=function, error=_describe(error, None), where=_where(error, path))
        raised = incorrect(message, from_error(str(error)))
        raised.learner_error = error
        raise raised from None


def _where(error: BaseException, path: Path) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    if frames:
        return f"{_shown(path)} line {frames[-1].lineno}"
    return _shown(path)


# ------------------------------------------------------------ expectations


def to_array(value: Any) -> Any:
    """A tf.Tensor or tf.Variable as a numpy array; anything else unchanged."""
    if type(value).__module__.startswith(("tensorflow", "keras")) and hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return value


def _type_name(value: Any) -> str:
    if type(value).__name__ == "Described" and isinstance(value, dict):  # the grader's stand-in for an object
        return str(value.get("class_name") or value.get("t") or "?")  # what it stands for: Dense, figure ...
    return type(value).__module__.replace("builtins", "").strip(".") + (
        "." if type(value).__module__ != "builtins" else ""
    ) + type(value).__name__


def expect_array(
    got: Any,
    expected: np.ndarray,
    what: str,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    alternatives: Mapping[str, Any] | None = None,
    show_expected_shape: bool = False,
    any_width: bool = False,
) -> np.ndarray:
    """type -> dtype -> rank -> shape -> finite -> values. Tensors are accepted.

    any_width=True accepts any dtype of the expected kind (int32 counts for int64,
    float32 edges for float64) where the task fixes no dtype: values are compared.
    """
    got = to_array(got)
    if type(got) is not np.ndarray:
        raise Incorrect(say("wrong_type", what=what, expected=say("type.array_or_tensor"), received=_type_name(got)))
    if any_width and _same_kind(got.dtype, expected.dtype):
        got = got.astype(expected.dtype)
    if got.dtype != expected.dtype:
        key = None
        if expected.dtype == np.float32:  # both misconceptions advise casting to float32
            key = {"uint8": "uint8_not_cast", "float64": "float64"}.get(str(got.dtype))
        message = say("wrong_dtype", what=what, expected=expected.dtype, received=got.dtype)
        raise incorrect(message, key)
    mistake = name_the_mistake(got.shape, {k: v.shape for k, v in (alternatives or {}).items()
                                           if isinstance(v, np.ndarray)}, expected.shape)
    if got.ndim != expected.ndim:
        message = say("wrong_rank", what=what, expected=expected.ndim, received=got.ndim, shape=got.shape)
        raise incorrect(message, mistake)
    if got.shape != expected.shape:
        key = "wrong_shape_expected" if show_expected_shape else "wrong_shape"
        message = say(key, what=what, expected=expected.shape, received=got.shape)
        raise incorrect(message, mistake)
    if got.dtype.kind == "f" and not np.all(np.isfinite(got)):
        count = int(np.size(got) - np.count_nonzero(np.isfinite(got)))
        raise Incorrect(say("not_finite", what=what, count=count, total=got.size))
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64))))
        message = say("wrong_values", what=what, detail=say("describe.largest_difference", difference=f"{worst:.3g}"))
        raise incorrect(message, name_the_mistake(got, alternatives or {}, expected))
    return got


def _same_kind(dtype: np.dtype, wanted: np.dtype) -> bool:
    """Both integers (signed or not), or both floats."""
    kinds = {dtype.kind, wanted.kind}
    return kinds <= {"i", "u"} or kinds == {"f"}


def expect_shape(
    got: Any,
    expected: tuple,
    what: str,
    *,
    alternatives: Mapping[str, Any] | None = None,
) -> tuple:
    """A shape: a tuple of ints (a list or TensorShape is accepted), never printed."""
    if hasattr(got, "as_list") and type(got).__name__ == "TensorShape":
        got = tuple(got.as_list())
    if type(got) not in (tuple, list) or not all(type(n) is int or n is None for n in got):
        received = _type_name(got)
        if type(got) in (tuple, list):  # the container is fine, an element is not: show them
            received += f" {got!r}"
        raise Incorrect(say("wrong_type", what=what, expected=say("type.tuple_of_ints"), received=received))
    got = tuple(got)
    if got != tuple(expected):
        mistake = name_the_mistake(got, alternatives or {}, tuple(expected))
        if len(got) != len(expected):
            message = say("wrong_rank", what=what, expected=len(expected), received=len(got), shape=got)
        else:
            message = say("wrong_shape", what=what, received=got)
        raise incorrect(message, mistake)
    return got


def expect_shapes_by_key(got: Any, expected: Mapping[str, tuple], what: str,
                         alternatives: Mapping[str, Mapping[str, Any]] | None = None) -> dict:
    """A dict with exactly the keys of `expected`, each value a shape checked with expect_shape."""
    keys = list(expected)
    if type(got) is not dict:
        raise Incorrect(say("shapes.not_a_dict", what=what, keys=keys, received=type(got).__name__))
    if set(got) != set(keys):
        raise Incorrect(say("shapes.wrong_keys", what=what, keys=keys, received=list(got)))
    for key in keys:
        expect_shape(got[key], expected[key], f'{what}["{key}"]', alternatives=(alternatives or {}).get(key, {}))
    return got


def expect_number(
    got: Any,
    expected: int | float,
    what: str,
    *,
    alternatives: Mapping[str, Any] | None = None,
    tolerance: float = 0.0,
) -> int | float:
    """An int (or, when `expected` is a float, a float within `tolerance`)."""
    received = _type_name(got)  # before to_array: a tensor is named as the tensor it is
    got = to_array(got)
    if isinstance(got, np.generic):
        got = got.item()
    allowed = (int,) if isinstance(expected, int) else (int, float)
    if type(got) not in allowed:
        kind = say("type.int") if isinstance(expected, int) else say("type.number")
        raise Incorrect(say("wrong_type", what=what, expected=kind, received=received))
    if abs(got - expected) > tolerance:
        mistake = name_the_mistake(got, alternatives or {}, expected)
        raise incorrect(say("wrong_value", what=what, received=got), mistake)
    return got


def expect_layer(got: Any, layer_class: type, what: str, config: Mapping[str, Any]) -> Any:
    """A Keras layer of `layer_class` whose config has the given values."""
    if not isinstance(got, layer_class):
        raise Incorrect(
            say("wrong_layer_class", what=what, expected=layer_class.__name__, received=_type_name(got))
        )
    difference = setting_difference(got.get_config(), config, config)
    if difference is not None:
        key, value, mistake = difference
        raise incorrect(say("wrong_config", what=what, key=key, received=repr(value)), mistake)
    return got
