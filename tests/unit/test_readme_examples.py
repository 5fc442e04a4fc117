"""The README's console examples are real output of today's code.

Runs `tools/update_readme.py --check`, which re-executes every ```console block that starts
with `$ chipcomply` and compares the recorded output. Refresh with
`python tools/update_readme.py` after a change that alters an example.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_examples_are_current(tmp_path: Path) -> None:
    env = {**os.environ, "CHIPCOMPLY_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "update_readme.py"), "--check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
