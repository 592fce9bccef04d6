"""Fresh-machine setup: `make setup` in a fresh clone vs a bare `pip install` of the same pins.

Prints both times, their ratio (target <= 1.2) and the size of .venv (target <= 2.0 GB).
Both runs use the same pip cache, side by side. Usage: python bench/setup.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def size_gb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e9


def main() -> None:
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        setup = timed(["make", "-s", "setup"], cwd=clone)
        bare_venv = Path(tmp) / "bare"
        bare = timed([sys.executable, "-m", "venv", str(bare_venv)], cwd=ROOT)
        bare += timed([str(bare_venv / "bin" / "pip"), "install", "-q", *pins], cwd=ROOT)
        venv_size = size_gb(clone / ".venv")
    print(f"{'step':<40} {'seconds':>8}")
    print(f"{'make setup (fresh clone)':<40} {setup:>8.1f}")
    print(f"{'bare venv + pip install of the pins':<40} {bare:>8.1f}")
    print(f"{'ratio (target <= 1.2)':<40} {setup / bare:>8.2f}")
    print(f"{'.venv size, GB (target <= 2.0)':<40} {venv_size:>8.2f}")


if __name__ == "__main__":
    main()
