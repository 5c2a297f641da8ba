"""MkDocs hooks: folders of reports that other work fills join the navigation by
themselves — every Markdown page in them, titled by its first heading."""

from pathlib import Path

#: (nav title, folder under docs/) placed after the validation report, pages sorted with
#: report.md first
REPORT_FOLDERS = [("Calibration", "calibration")]


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem.replace("_", " ").capitalize()


def on_config(config, **kwargs):  # noqa: ARG001
    """Append each report folder's pages to the navigation after the validation report."""
    docs = Path(config["docs_dir"])
    nav = config["nav"]
    at = next(i for i, item in enumerate(nav) if "Validation report" in item) + 1
    for title, folder in REPORT_FOLDERS:
        pages = sorted((docs / folder).glob("*.md"), key=lambda p: (p.name != "report.md", p.name))
        if pages:
            nav.insert(at, {title: [{_title(p): f"{folder}/{p.name}"} for p in pages]})
            at += 1
    return config
