"""At import: try to leave a file where a later grading would pick it up, then answer wrongly.

Targets: every site-packages folder on sys.path (a .pth there runs in every
later Python, the next submission's trusted worker included), the kit
(@KIT_ROOT@ is filled in by the test), its git hooks, and the folders around
the job. Harmless by construction: each write creates one new file named
MARKER (a comment line, never code), only where MARKER does not exist yet;
the test looks for every one of them afterwards and removes it.
"""
import os
import sys

MARKER = "layerlab-adversarial-poison-3e8b"
KIT = "@KIT_ROOT@"
HERE = os.path.dirname(os.path.abspath(__file__))

TARGETS = [os.path.join(p, MARKER + ".pth") for p in sys.path if p.endswith("site-packages")]
TARGETS += [os.path.join(KIT, "layerlab", MARKER + ".py"), os.path.join(KIT, ".git", "hooks", MARKER),
            os.path.join(KIT, MARKER + ".txt"), os.path.join(os.path.dirname(os.getcwd()), MARKER),
            os.path.join(os.path.dirname(HERE), MARKER)]
for target in TARGETS:
    if os.path.basename(target).startswith(MARKER) and not os.path.exists(target):
        try:
            with open(target, "x") as handle:
                handle.write("# " + MARKER + "\n")
        except OSError:
            pass


def conv_output_length(input_length, kernel_size, stride=1, padding="valid"):
    return -1


def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    return ()


def conv2d_param_count(kernel_size, in_channels, filters, use_bias=True):
    return -1
