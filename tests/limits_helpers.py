"""Run a piece of Python in a child process under memory and CPU limits (issue 14).

Memory and time are asserted only as generous resource limits: the child sets RLIMIT_AS
(address space) and RLIMIT_CPU before it runs `code`, and reports its own peak resident
memory (VmHWM: ru_maxrss would carry the pytest parent's peak across exec). A run that needs more memory fails with MemoryError in the child; one that needs
more CPU time is killed by SIGXCPU; either is a failed test, never a hung machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PREAMBLE = """\
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
from ammt_calc.errors import UserError
_start = time.process_time()
result = {{}}
try:
{body}
except UserError as exc:
    result["error"] = str(exc)
with open("/proc/self/status") as _status:  # VmHWM: this program's peak (ru_maxrss survives exec from a big parent)
    result["maxrss_mb"] = next(int(l.split()[1]) for l in _status if l.startswith("VmHWM:")) / 1024
result["cpu_s"] = time.process_time() - _start
print(json.dumps(result))
"""

MB = 1 << 20


def run_limited(code: str, *, memory_mb: int, cpu_seconds: int = 60, args=()) -> tuple[int, dict | None, str]:
    """(exit code, the JSON `result` the code filled in (or None), stderr).

    `code` runs inside a try block that turns a UserError into result["error"]; it may set
    other keys of the dict `result`. `args` are in sys.argv[1:].
    """
    body = textwrap.indent(textwrap.dedent(code), "    ")
    script = PREAMBLE.format(memory=memory_mb * MB, cpu=cpu_seconds, body=body)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=cpu_seconds * 4)
    lines = proc.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1]) if lines else None
    except ValueError:
        report = None
    return proc.returncode, report, proc.stderr
