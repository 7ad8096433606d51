import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import evaluate_many

from ammt_calc.usecases.loading import load_catalog


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(check_units=True)


@pytest.fixture(scope="session")
def kpis(catalog):
    """kpis(usecase_id, **settings) -> {kpi: (value in display unit or None, feasible, reason)}."""

    def run(usecase_id, **settings):
        (ev,) = evaluate_many([catalog.get(usecase_id)], {k: str(v) for k, v in settings.items()})
        return {name: (float(r.value) if bool(r.feasible) else None, bool(r.feasible), r.reason_at())
                for name, r in ev.kpis.items()}

    return run


def entry_point() -> list[str]:
    """The installed `ammt-calc` script next to this Python, else `python -m ammt_calc`."""
    script = Path(sys.executable).parent / "ammt-calc"
    if script.exists():
        return [str(script)]
    found = shutil.which("ammt-calc")
    return [found] if found else [sys.executable, "-m", "ammt_calc"]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the command line in-process (main(argv), as the entry point does), in tmp_path with
    NO_COLOR and 200 columns; returns a CompletedProcess (text). Fast: no interpreter start."""
    from hardening_helpers import run as run_main

    def run(*args, input=None, env=None):
        assert input is None, "in-process runs take no stdin; use cli_process"
        with monkeypatch.context() as patch:
            patch.chdir(tmp_path)
            for name, value in {"NO_COLOR": "1", "COLUMNS": "200", **(env or {})}.items():
                patch.setenv(name, value)
            patch.delenv("FORCE_COLOR", raising=False)
            code, out, err = run_main(*args)
        return subprocess.CompletedProcess(list(map(str, args)), code, out, err)

    return run


@pytest.fixture
def cli_process(tmp_path):
    """Run the installed entry point as a real process (for what only a process shows:
    start-up, exit at interpreter shutdown, signals); returns CompletedProcess (text)."""

    def run(*args, input=None, env=None):
        full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
        full_env.pop("FORCE_COLOR", None)
        return subprocess.run([*entry_point(), *map(str, args)], capture_output=True, text=True,
                              input=input, env=full_env, cwd=tmp_path, timeout=120)

    return run


@pytest.fixture(autouse=True, scope="session")
def _private_catalog_cache(tmp_path_factory):
    """The compiled catalog cache of the test run in a folder of its own, never the user's."""
    os.environ["AMMT_CALC_CACHE"] = str(tmp_path_factory.mktemp("ammt-calc-cache"))
    yield
