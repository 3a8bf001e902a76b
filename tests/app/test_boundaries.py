"""What .importlinter cannot see: the libraries the service's dependencies load at runtime.

The contract `app/ imports none of training/, ...` (.importlinter, run by `make lint`) checks
the app's own imports. A third-party package the app imports could still load pandas,
scikit-learn or matplotlib behind it, which only a real import shows; the service's image
installs none of them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from harness.live_server import ROOT


def test_importing_the_app_loads_no_training_library() -> None:
    probe = (
        "import json, sys, app.main; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('pandas', 'sklearn', 'matplotlib'))))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(finished.stdout.strip().splitlines()[-1]) == []
