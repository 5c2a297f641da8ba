"""The scenarios, sweep specs and problem specs shipped with incentsim, addressable by name.

In a checkout they are the top-level folders ``configs/`` (scenarios), ``sweeps/`` (sweep
specs) and ``specs/`` (problem specs). In an installed wheel the same files are package
data under ``incentsim/_shipped/<folder>/``: ``setup.py`` maps each folder to a data-only
package, so every file in them is packed without a list. The three folders keep their
relative layout in both places, so a spec's ``base: ../configs/x.yaml`` works in either.

Wherever incentsim reads a scenario, sweep spec or problem spec, a path that exists is
used as given; otherwise a bare name (``gdp_tournament``, ``term_vs_audit.yaml``) is
looked up among the shipped files of that kind. ``incentsim init DIR`` copies the three
folders into DIR for editing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: kind of file -> the folder its shipped files are in (problem and calibration specs share one)
FOLDERS = {
    "scenario": "configs",
    "sweep spec": "sweeps",
    "problem spec": "specs",
    "calibration spec": "specs",
}
SUFFIXES = (".yaml", ".yml", ".toml")


def root() -> Path:
    """The folder holding ``configs/``, ``sweeps/`` and ``specs/``: the installed package
    data, or the checkout's top level when running from a source tree."""
    installed = Path(__file__).resolve().parent / "_shipped"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2]


def folder(kind: str) -> Path | None:
    """The folder of shipped files of ``kind`` (a key of :data:`FOLDERS`; None for any
    other kind of file, which is never looked up by name)."""
    return root() / FOLDERS[kind] if kind in FOLDERS else None


def names(kind: str) -> list[str]:
    """The names (file stems) of the shipped files of ``kind``, sorted."""
    d = folder(kind)
    if d is None or not d.is_dir():
        return []
    return sorted(p.stem for p in d.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def resolve(ref: str | Path, kind: str) -> Path:
    """The file ``ref`` names: itself if it exists, else the shipped file of ``kind`` of
    that name (with or without its extension); unchanged when neither exists, so the
    caller reports the missing file."""
    p = Path(ref)
    d = folder(kind)
    if p.exists() or len(p.parts) != 1 or d is None:
        return p
    for cand in [d / p.name] + [d / (p.name + s) for s in SUFFIXES]:
        if cand.is_file():
            return cand
    return p


def not_found(ref: str | Path, kind: str) -> str:
    """The message for a ``ref`` that is neither a file nor a shipped name."""
    label = "scenario file" if kind == "scenario" else kind
    if len(Path(ref).parts) != 1 or kind not in FOLDERS:
        return f"no such {label}: {ref}"
    return f"no such {label} or shipped {kind}: {ref} (shipped: {', '.join(names(kind)) or 'none'})"


def init(dest: str | Path) -> list[Path]:
    """Copy the shipped ``configs/``, ``sweeps/`` and ``specs/`` into ``dest`` (created if
    missing) and return the files written. Nothing is overwritten: if any of the three
    folders already exists in ``dest``, a :class:`FileExistsError` names it and nothing
    is copied."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise FileExistsError(f"{dest} exists and is not a folder")
    folders = list(dict.fromkeys(FOLDERS.values()))
    clash = [dest / f for f in folders if (dest / f).exists()]
    if clash:
        raise FileExistsError(
            f"{clash[0]} already exists; choose another folder (nothing was copied)"
        )
    written: list[Path] = []
    for name in folders:
        shutil.copytree(
            root() / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        written += sorted(p for p in (dest / name).rglob("*") if p.is_file())
    return written


def main(argv: list[str] | None = None) -> int:
    """``incentsim init DIR``: copy the shipped files into DIR. Copying that would
    overwrite anything raises :class:`FileExistsError` (one line, exit 2 from the CLI)."""
    from incentsim.interfaces.cli_options import Parser

    ap = Parser(
        prog="incentsim init",
        description="Copy the shipped scenarios (configs/), sweep specs (sweeps/) and "
        "problem specs (specs/) into DIR, to edit and run by path.",
    )
    ap.add_argument("dir", metavar="DIR", help="folder to create or fill (nothing is overwritten)")
    args = ap.parse_args(argv)
    files = init(args.dir)
    counts = {f: len(names(k)) for k, f in FOLDERS.items()}
    print(
        f"copied {len(files)} files into {args.dir}: "
        + ", ".join(f"{f}/ ({n})" for f, n in counts.items())
    )
    print(f"e.g. incentsim run {Path(args.dir) / 'configs' / 'gdp_tournament.yaml'}")
    return 0
