#!/usr/bin/env python3
"""Point every reference to the working notes ``paper.md`` (outside the repository) into
``docs/method.md``, which keeps the notes' section numbers.

    python tools/rewrite_paper_refs.py            # rewrite the tracked files in place
    python tools/rewrite_paper_refs.py --check    # list what would change; exit 1 if any

Forms handled (with or without backticks, ``../shared/``, and a line break before the
section): ``paper.md 3.1`` -> ``docs/method.md §3.1``; ``paper.md section 1`` ->
``docs/method.md §1``; ``paper.md sections 3.2-3.3`` -> ``docs/method.md §3.2-§3.3``; a
bare ``paper.md`` -> ``docs/method.md``; a few sentences that speak *about* the notes are
reworded (SENTENCES).  In Markdown the reference becomes a link relative to the file
(``method.md`` inside docs/, ``docs/method.md`` at the root, ``../docs/method.md`` in
config/); in code and in Markdown code blocks it is the path from the repository root.
Idempotent: the output contains no ``paper.md``, so a second run changes nothing.  Run it
again after merging branches that add references; it prints Python lines that the longer
name pushed past the line length, for a manual rewrap (ruff check reports them too).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

TARGET = "docs/method.md"
LINE_LENGTH = 100
# This script and its test quote the old forms on purpose.
EXCLUDED = ("tools/rewrite_paper_refs.py", "tests/test_rewrite_paper_refs.py")

# `paper.md` | ../shared/paper.md, optional separator + "section(s)" + number or range
REFERENCE = re.compile(
    r"(?P<tick>`?)(?:\.\./shared/)?paper\.md(?P=tick)"
    r"(?:(?P<sep>\s+)(?:sections?\s+)?(?P<first>\d+(?:\.\d+)?)(?:-(?P<last>\d+(?:\.\d+)?))?)?"
)

# Sentences about the notes themselves (not pointers into them): reworded first.
# Each maps a pattern to a template in which {ref:N} is a reference to section N.
SENTENCES = [
    (re.compile(r"paper\.md's:"), "that of {ref:1}:"),
    (
        re.compile(r"\*Our reading\*: paper\.md allows"),
        "*Our reading*: the paper's description allows",
    ),
    (
        re.compile(r'On paper\.md\'s "1-D, n = 6, L = 5: about 230,000 columns":'),
        'On an earlier estimate in our working notes, "1-D, n = 6, L = 5: about 230,000 columns":',
    ),
    (re.compile(r"constants as in paper\.md,"), "constants as in {ref:2},"),
    (re.compile(r"those of `paper\.md`"), "those of {ref:2}"),
]


def reference(path: Path, sections: str, markdown: bool, tick: str = "") -> str:
    """Text pointing at docs/method.md (optionally at ``sections``) from file ``path``."""
    if not markdown:
        target = f"{tick}{TARGET}{tick}"
        return f"{target} {sections}" if sections else target
    link = os.path.relpath(TARGET, path.parent or ".").replace(os.sep, "/")
    label = f"{link} {sections}" if sections else link
    return f"[{label}]({link})"


def section_label(first: str | None, last: str | None) -> str:
    if first is None:
        return ""
    return f"§{first}-§{last}" if last else f"§{first}"


def rewrite(path: Path, text: str) -> str:
    if path.suffix != ".md":
        return _rewrite(path, text, markdown=False)
    # Markdown: links in prose, plain paths inside fenced code blocks (odd pieces).
    pieces = re.split(r"(^```.*?^```)", text, flags=re.S | re.M)
    return "".join(
        _rewrite(path, piece, markdown=index % 2 == 0) for index, piece in enumerate(pieces)
    )


def _rewrite(path: Path, text: str, markdown: bool) -> str:
    def sentence(template: str):
        return lambda _match: re.sub(
            r"\{ref:([\d.]+)\}", lambda m: reference(path, f"§{m[1]}", markdown), template
        )

    for pattern, template in SENTENCES:
        text = pattern.sub(sentence(template), text)

    def pointer(match: re.Match) -> str:
        sections = section_label(match["first"], match["last"])
        sep = match["sep"] or ""
        if not markdown:
            return reference(path, "", False, match["tick"]) + (sep + sections if sections else "")
        if not sections:
            return reference(path, "", True)
        link = os.path.relpath(TARGET, path.parent or ".").replace(os.sep, "/")
        return f"[{link}{sep}{sections}]({link})"  # keeps a line break inside the label

    return REFERENCE.sub(pointer, text)


def tracked_files_mentioning(root: Path) -> list[Path]:
    result = subprocess.run(
        ["git", "grep", "-l", "--fixed-strings", "paper.md"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):  # 1: no match
        raise SystemExit(f"git grep failed: {result.stderr.strip()}")
    return [Path(name) for name in result.stdout.split() if name not in EXCLUDED]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    changed, long_lines = [], []
    for path in tracked_files_mentioning(root):
        old = (root / path).read_text(encoding="utf-8")
        new = rewrite(path, old)
        if new == old:
            continue
        changed.append(path)
        if not args.check:
            (root / path).write_text(new, encoding="utf-8")
        if path.suffix == ".py":
            long_lines += [
                f"{path}:{number}"
                for number, line in enumerate(new.splitlines(), 1)
                if len(line) > LINE_LENGTH and TARGET in line
            ]
    verb = "would rewrite" if args.check else "rewrote"
    print(f"{verb} {len(changed)} files" + "".join(f"\n  {p}" for p in changed))
    if long_lines:
        print("lines now longer than", LINE_LENGTH, "(rewrap by hand):", *long_lines, sep="\n  ")
    left = subprocess.run(
        [
            "git",
            "grep",
            "-n",
            "--fixed-strings",
            "paper.md",
            "--",
            ".",
            *(f":!{p}" for p in EXCLUDED),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if left and not args.check:
        print("references left (not in a known form):", left, sep="\n", file=sys.stderr)
    return 1 if (args.check and changed) or (left and not args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
