"""Shipped scenarios, sweeps and specs: by name and by path, `incentsim init`, and a wheel
that works outside the checkout (built, installed into a fresh venv, run from an empty
folder)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from cli_helpers import FAST, ROOT, incentsim

from incentsim import shipped


def test_every_file_of_the_three_folders_is_shipped_by_name():
    for kind, folder in shipped.FOLDERS.items():
        on_disk = sorted(p.stem for p in (ROOT / folder).iterdir() if p.suffix in shipped.SUFFIXES)
        assert on_disk and shipped.names(kind) == on_disk
    configs = ROOT / "configs"
    assert shipped.resolve("gdp_tournament", "scenario") == configs / "gdp_tournament.yaml"
    assert shipped.resolve("reform_package.toml", "scenario") == configs / "reform_package.toml"
    assert shipped.resolve("term_vs_audit", "sweep spec") == ROOT / "sweeps/term_vs_audit.yaml"
    # a path is taken as given, never looked up among the shipped files
    elsewhere = Path("elsewhere/gdp_tournament")
    assert shipped.resolve(elsewhere, "scenario") == elsewhere


def test_a_file_in_the_working_folder_wins_over_the_shipped_name(tmp_path, monkeypatch):
    from incentsim.scenario import load_scenario

    (tmp_path / "gdp_tournament").write_text("name: mine\n")
    monkeypatch.chdir(tmp_path)
    assert shipped.resolve("gdp_tournament", "scenario") == Path("gdp_tournament")
    assert load_scenario("long_terms").tenure.term_length == 7


def test_specs_load_by_name_with_their_base_scenarios():
    from incentsim.design.exploratory.problem import load_problem
    from incentsim.design.sweep import load_spec

    by_name, by_path = load_spec("term_vs_audit"), load_spec(ROOT / "sweeps/term_vs_audit.yaml")
    assert by_name.name == by_path.name == "term_vs_audit"
    assert by_name.base == by_path.base and by_name.base["name"] == "gdp_tournament"
    prob = load_problem("trust_growth_levers", check=False)
    assert prob.name == load_problem(ROOT / "specs/trust_growth_levers.yaml", check=False).name


def test_run_by_name_equals_run_by_path(tmp_path):
    outs = []
    for ref in ("long_terms", ROOT / "configs/long_terms.yaml"):
        r = incentsim(
            "run", ref, "--seeds", "1", *FAST, "--runs-dir", tmp_path / "runs", cwd=tmp_path
        )
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout.split("\n", 1)[1])  # the table (the first line names run ids)
    assert outs[0] == outs[1] and "gdp_growth_true" in outs[0]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (
            ["run", "no_such_scenario"],
            "no such scenario file or shipped scenario: no_such_scenario "
            "(shipped: balanced_scorecard,",
        ),
        (["run", "configs/no_such.yaml"], "no such scenario file: configs/no_such.yaml"),
        (["sweep", "no_such_sweep"], "shipped: lhs_uncertainty, term_vs_audit"),
        (["sensitivity", "no_such_spec"], "shipped problem spec"),
    ],
)
def test_unknown_name_exits_2_listing_what_is_shipped(tmp_path, args, fragment):
    r = incentsim(*args, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and fragment in r.stderr


def test_init_copies_everything_and_refuses_to_overwrite(tmp_path):
    r = incentsim("init", "mine", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for folder in shipped.FOLDERS.values():
        want = sorted(p.name for p in (ROOT / folder).iterdir() if p.is_file())
        assert sorted(p.name for p in (tmp_path / "mine" / folder).iterdir()) == want
    edited = tmp_path / "mine/configs/gdp_tournament.yaml"
    edited.write_text(edited.read_text() + "\n# my edit\n")
    again = incentsim("init", "mine", cwd=tmp_path)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().count("\n") == 0 and "already exists" in again.stderr
    assert edited.read_text().endswith("# my edit\n")
    # the copied sweep still finds its base scenario beside it
    from incentsim.design.sweep import load_spec

    assert load_spec(tmp_path / "mine/sweeps/term_vs_audit.yaml").base["name"] == "gdp_tournament"


#: the environment of everything run outside the checkout (no PYTHONPATH to the sources)
OUTSIDE = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INCENTSIM_RUNS_DIR")}


def _build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the sources (the checkout is left untouched), with the
    running interpreter's setuptools: no network needed."""
    src = tmp_path / "source"
    src.mkdir()
    for name in ("src", *dict.fromkeys(shipped.FOLDERS.values())):
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("incentsim-*.whl")
    return wheel


def _fresh_venv(tmp_path: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed and nothing else; its dependencies come from
    the running interpreter's site-packages through a .pth path (offline and fast)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        env=OUTSIDE,
    ).stdout.strip()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        env=OUTSIDE,
    )
    # after installing: pip would take the runner's own incentsim as already installed
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "deps-of-the-test-runner.pth").write_text("\n".join(sorted(deps)) + "\n")
    return venv


@pytest.mark.slow
def test_the_wheel_runs_named_scenarios_from_an_empty_folder(tmp_path):
    wheel = _build_wheel(tmp_path)
    venv = _fresh_venv(tmp_path, wheel)
    empty = tmp_path / "empty"
    empty.mkdir()
    env = OUTSIDE

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(venv / "bin" / "incentsim"), *args],
            cwd=empty,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    where = subprocess.run(
        [venv / "bin/python", "-c", "import incentsim; print(incentsim.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(venv)), "the installed wheel, not the checkout"
    r = run("run", "gdp_tournament", "--seeds", "1", *FAST, "--runs-dir", "runs")
    assert r.returncode == 0, r.stderr
    assert "1 of 1 runs of 'gdp_tournament'" in r.stdout
    (run_dir,) = [p for p in (empty / "runs").iterdir() if p.name.isdigit()]
    assert json.loads((run_dir / "run.json").read_text())["status"] == "COMPLETED"
    # the shipped sweep and problem spec load by name, their ../configs base included
    check = (
        "from incentsim.design.sweep import load_spec; "
        "from incentsim.design.exploratory.problem import load_problem; "
        "s = load_spec('term_vs_audit'); p = load_problem('trust_growth_levers'); "
        "print(s.base['name'], len(s.points()), p.name)"
    )
    out = subprocess.run(
        [venv / "bin/python", "-c", check], cwd=empty, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "gdp_tournament"
    r = run("init", "mine")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (empty / "mine/configs").iterdir()) == sorted(
        p.name for p in (ROOT / "configs").iterdir() if p.is_file()
    )
