"""MkDocs hooks: reports that other work adds later join the navigation once they exist."""

from pathlib import Path

#: (nav title, path under docs/) placed after the validation report when present
OPTIONAL_PAGES = [("Calibration report", "calibration/report.md")]


def on_config(config, **kwargs):  # noqa: ARG001
    docs = Path(config["docs_dir"])
    nav = config["nav"]
    at = next(i for i, item in enumerate(nav) if "Validation report" in item) + 1
    for title, page in OPTIONAL_PAGES:
        if (docs / page).is_file():
            nav.insert(at, {title: page})
            at += 1
    return config
