"""The documentation site builds in strict mode (a broken link, a page missing from the
navigation or an unresolved reference fails) and its generated pages cover the code."""

from __future__ import annotations

import html
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import ROOT

if os.environ.get("CI"):
    import mkdocs  # noqa: F401  (CI installs the docs extra: fail, don't skip)
else:
    pytest.importorskip("mkdocs")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(
        os.environ,
        NO_MKDOCS_2_WARNING="1",
        DISABLE_MKDOCS_2_WARNING="true",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    )
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def _text(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text()


def test_codebook_lists_every_output_column(site):
    from incentsim.outcomes import OUTCOME_NAMES, PANEL_COLUMNS, codebook

    page = _text(site, "reference/codebook")
    book = codebook()
    assert set(OUTCOME_NAMES) | set(PANEL_COLUMNS) <= set(book["name"])
    for row in book.itertuples():
        assert f"<code>{row.name}</code>" in page, row.name
        assert html.escape(row.definition.split("\n")[0][:40], quote=False) in page, row.name


def test_rules_page_and_command_reference_cover_every_rule_and_command(site):
    from incentsim.interfaces.cli import PLUGINS, build_parser
    from incentsim.rules.accountability import MECHANISMS
    from incentsim.rules.promotion import PROMOTION_RULES

    rules = _text(site, "rules")
    for cls in (*PROMOTION_RULES, *MECHANISMS):
        assert f"<code>{cls.name}</code>" in rules
    cli = _text(site, "reference/cli")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in [*sub.choices, *PLUGINS]:
        assert f"$ incentsim {name}" in cli and f"usage: incentsim {name}" in cli


def test_api_reference_has_a_page_per_module_with_its_docstrings(site):
    api = _text(site, "reference/api/incentsim.api")
    assert "simulate" in api and "SimulationResult" in api
    modules = sorted(
        p.stem for p in (ROOT / "src/incentsim").glob("*.py") if not p.stem.startswith("_")
    )
    for m in modules:
        assert (site / f"reference/api/incentsim.{m}/index.html").is_file(), m


def test_model_page_renders_each_phase_docstring_and_shipped_files_are_listed(site):
    import incentsim.agents.citizens as citizens

    model = _text(site, "model")
    assert "Tacitus" in model
    assert citizens.__doc__.split("\n")[0].rstrip(".") in model
    shipped_page = _text(site, "reference/scenarios")
    for name in ("gdp_tournament", "term_vs_audit", "trust_growth_levers"):
        assert f"<code>{name}</code>" in shipped_page
