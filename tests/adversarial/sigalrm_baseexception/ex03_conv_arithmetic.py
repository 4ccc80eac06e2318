"""Cheat: survive every signal-based timeout (only SIGKILL from outside stops this)."""
import signal

for name in ("SIGALRM", "SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)

while True:
    try:
        while True:
            pass
    except BaseException:
        continue
