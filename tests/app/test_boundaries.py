"""The service side of the contract: the app never imports the training half."""

from __future__ import annotations

import json
import subprocess
import sys

from harness.live_server import ROOT


def test_app_imports_no_training_pandas_or_sklearn() -> None:
    probe = (
        "import json, sys, app.main; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('training', 'pandas', 'sklearn', 'matplotlib'))))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(finished.stdout.strip().splitlines()[-1]) == []
