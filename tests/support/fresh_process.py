"""What `fenjie ... --help` imports, seen from a fresh interpreter (the test process has
imported everything already)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

_PROBE = """\
import json, sys
from cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("\\n" + json.dumps(sorted(sys.modules)))
"""


def help_imports(*command: str) -> tuple[set[str], str]:
    """The modules loaded by `fenjie COMMAND... --help` in a new process, and the help it printed."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *command, "--help"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.rsplit("\n", 1)[-1])), done.stdout
