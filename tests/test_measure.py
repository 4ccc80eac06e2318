"""The bench's measuring tape (grader.sandbox.tree.PeakMemory): the memory and CPU time of a whole
process tree, grandchildren included. Bounded by construction: 150 MiB and about a second of CPU."""

from __future__ import annotations

import subprocess
import sys

from grader.sandbox.tree import PeakMemory

GRANDCHILD = """
import time
held = bytearray(150 * 1024 * 1024)  # zero pages are not resident until written
for offset in range(0, len(held), 4096):
    held[offset] = 1
while time.process_time() < 0.6:
    pass
time.sleep(0.5)  # a few polls see all of it
"""


def test_a_grandchilds_memory_and_cpu_time_are_counted():
    command = [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {GRANDCHILD!r}])"]
    process = subprocess.Popen(command)
    memory = PeakMemory(process, every=0.05, pss_every=0.05)
    assert process.wait(timeout=60) == 0
    assert memory.result() >= 150  # resident MiB, summed
    assert memory.peak_pss >= 140  # the 150 MiB are private: Pss counts them whole
    assert memory.cpu_seconds >= 0.5
