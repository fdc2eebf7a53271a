"""tools/rewrite_paper_refs.py: references to the working notes point into docs/method.md."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "rewrite_paper_refs.py"
spec = importlib.util.spec_from_file_location("rewrite_paper_refs", SCRIPT)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("src/a.py", "(paper.md 3.1)", "(docs/method.md §3.1)"),
        ("src/a.py", "of paper.md section 1 and", "of docs/method.md §1 and"),
        ("src/a.py", "(paper.md sections 3.2-3.3).", "(docs/method.md §3.2-§3.3)."),
        ("tests/t.py", "# paper.md 4, toy-1d", "# docs/method.md §4, toy-1d"),
        ("Snakefile", "(paper.md section 4).", "(docs/method.md §4)."),
        (
            "docs/x.md",
            "`../shared/paper.md` section 2 (binding)",
            "[method.md §2](method.md) (binding)",
        ),
        (
            "docs/x.md",
            "## Certificate (paper.md 3.5)",
            "## Certificate ([method.md §3.5](method.md))",
        ),
        (
            "config/README.md",
            "is paper.md's: 1/2",
            "is that of [../docs/method.md §1](../docs/method.md): 1/2",
        ),
        (
            "README.md",
            "of `paper.md`\n   section 1, with",
            "of [docs/method.md\n   §1](docs/method.md), with",
        ),
        (
            "README.md",
            "```python\nf()  # (paper.md 3.1)\n```\n",
            "```python\nf()  # (docs/method.md §3.1)\n```\n",
        ),
        (
            "src/a.py",
            "(constants as in paper.md, no 1/n)",
            "(constants as in docs/method.md §2, no 1/n)",
        ),
    ],
)
def test_rewrite_forms(path, old, new):
    assert tool.rewrite(Path(path), old) == new


def test_rewrite_is_idempotent_and_leaves_no_reference():
    text = "see paper.md 3.3 and `paper.md` section 4; also paper.md alone.\n"
    once = tool.rewrite(Path("docs/x.md"), text)
    assert "paper.md" not in once
    assert tool.rewrite(Path("docs/x.md"), once) == once
