"""Pages generated when the site is built (mkdocs-gen-files): the rules and mechanisms
(``incentsim.rules.catalog``), the Python API reference
(one page per module, found by walking the package), the command-line reference (the
``--help`` of every command), the codebook of every output column (from
``incentsim.outcomes``) and the list of shipped scenarios, sweeps and specs (from the
files themselves). Nothing here is committed as Markdown, so none of it goes stale."""

from __future__ import annotations

import contextlib
import io
import os
import pkgutil

import mkdocs_gen_files

import incentsim
from incentsim import outcomes, shipped

os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal width: fix it


def api_pages() -> None:
    """``reference/api/<module>.md`` with ``::: module`` for every public module, and an
    index listing them with the first line of each module's docstring."""
    rows = []
    for mod in sorted(pkgutil.walk_packages(incentsim.__path__, "incentsim."),
                      key=lambda m: m.name):
        if any(part.startswith("_") for part in mod.name.split(".")):
            continue
        with mkdocs_gen_files.open(f"reference/api/{mod.name}.md", "w") as f:
            f.write(f"# `{mod.name}`\n\n::: {mod.name}\n    options:\n"
                    "      show_root_heading: false\n")
        rows.append(f"- [`{mod.name}`]({mod.name}.md)")
    with mkdocs_gen_files.open("reference/api/index.md", "w") as f:
        f.write("# Python API\n\nGenerated from the docstrings of every module. The notebook "
                "entry points are [`incentsim.api`](incentsim.api.md) (`simulate`), "
                "[`incentsim.results`](incentsim.results.md) (`load_runs`) and "
                "[`incentsim.analysis.plots`](incentsim.analysis.plots.md).\n\n::: incentsim\n    options:\n"
                "      members: false\n      show_root_heading: false\n\n"
                "## Modules\n\n" + "\n".join(rows) + "\n")


def _help(argv: list[str]) -> str:
    from incentsim.interfaces.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(argv + ["--help"])
    return out.getvalue().rstrip()


def cli_page() -> None:
    """``reference/cli.md``: the help text of ``incentsim`` and of every subcommand."""
    from incentsim.interfaces.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    parts = ["# Command line\n", "Generated from the commands' own `--help`.\n",
             "```text\n$ incentsim --help\n" + _help([]) + "\n```\n"]
    for name in sub.choices:
        argvs = [[name, "list"], [name, "show"], [name, "compare"]] if name == "runs" else [[name]]
        parts.append(f"## `incentsim {name}`\n")
        for argv in argvs:
            parts.append(f"```text\n$ incentsim {' '.join(argv)} --help\n{_help(argv)}\n```\n")
    with mkdocs_gen_files.open("reference/cli.md", "w") as f:
        f.write("\n".join(parts))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: headings and notes of the codebook's tables
TABLES = {
    "timeseries": ("Time series (`SimulationResult.timeseries`, `metrics` of `load_runs`)",
                   "One row per recorded year. Run summaries (`incentsim runs`, `load_runs`) "
                   "add `<outcome>_mean` (mean over recorded years) and `<outcome>_final` "
                   "(last year)."),
    "leaders": ("Leader-year panel (`SimulationResult.leaders`, artifact `leaders.parquet`)",
                "One row per prefecture leader and recorded year, in this order."),
}


def codebook_page() -> None:
    """``reference/codebook.md``: every output column, from ``incentsim.outcomes.codebook()``."""
    book = outcomes.codebook()
    parts = ["# Codebook of outputs\n",
             "Generated from `incentsim.outcomes.codebook()`. Rates and growth are fractions "
             "(0.08 = 8 %).\n"]
    for table, frame in book.groupby("table", sort=False):
        title, note = TABLES.get(table, (table, ""))
        cols = [c for c in frame.columns if c != "table"]
        parts += [f"## {title}\n", note + "\n", "| " + " | ".join(cols) + " |",
                  "|" + "---|" * len(cols)]
        parts += ["| " + " | ".join(f"`{v}`" if c == "name" else _cell(v)
                                    for c, v in zip(cols, row)) + " |"
                  for row in frame[cols].itertuples(index=False)]
        parts.append("")
    with mkdocs_gen_files.open("reference/codebook.md", "w") as f:
        f.write("\n".join(parts))


def _description(path) -> str:
    import tomllib

    import yaml

    text = path.read_text()
    data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    return _cell((data or {}).get("description", ""))


def shipped_page() -> None:
    """``reference/scenarios.md``: the shipped scenarios, sweep specs and problem specs."""
    parts = ["# Shipped scenarios, sweeps and specs\n",
             "Installed with the package: use them by name (`incentsim run gdp_tournament`, "
             "`incentsim sweep term_vs_audit`) or copy them with `incentsim init DIR` to edit. "
             "Each file's opening comment names the real policy it stands for.\n"]
    for kind, folder in shipped.FOLDERS.items():
        parts += [f"## {kind.capitalize()}s (`{folder}/`)\n", "| name | description |",
                  "|---|---|"]
        for name in shipped.names(kind):
            parts.append(f"| `{name}` | {_description(shipped.resolve(name, kind))} |")
        parts.append("")
    with mkdocs_gen_files.open("reference/scenarios.md", "w") as f:
        f.write("\n".join(parts))


def rules_page() -> None:
    """``rules.md`` from the registries at build time (the committed docs/rules.md is the
    same text, kept in sync by tests/test_rules.py, for reading in the repository)."""
    from incentsim.rules.catalog import catalog_markdown

    with mkdocs_gen_files.open("rules.md", "w") as f:
        f.write(catalog_markdown())


api_pages()
rules_page()
cli_page()
codebook_page()
shipped_page()
