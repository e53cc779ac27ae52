"""The reader's text passes: link numbering and the layout in blocks respect fenced code."""

from __future__ import annotations

import pytest

from blogtui.content.text import fenced
from blogtui.models import Post
from blogtui.ui.widgets import reader
from blogtui.ui.widgets.reader import PostLayout, number_links

QUOTED_FENCE = """See [the docs](https://docs.example/).

````markdown
A fence inside code:
```
[not a link](https://inside.example/)
```
Still code: [nor this](https://still.example/)
````

After the block, [a link](https://after.example/)."""


def test_fenced_closes_only_at_a_long_enough_fence_of_its_own_kind() -> None:
    code = [line for line, inside in fenced(QUOTED_FENCE.split("\n")) if inside]
    assert code[0] == "````markdown" and code[-1] == "````"
    assert "Still code: [nor this](https://still.example/)" in code
    assert not any("after.example" in line for line in code)
    tilde = ["~~~", "```", "~~~~", "text"]
    assert [inside for _, inside in fenced(tilde)] == [True, True, True, False]


def test_links_inside_code_are_not_numbered() -> None:
    markdown, links = number_links(QUOTED_FENCE)
    assert links == ["https://docs.example/", "https://after.example/"]
    assert "the docs [1]" in markdown and "a link [2]" in markdown
    assert "[not a link](https://inside.example/)" in markdown
    assert "[nor this](https://still.example/)" in markdown


def test_blocks_never_cut_inside_a_code_block() -> None:
    code = "\n".join(["````", *(["```", "", "x = 1", "```", ""] * 500), "````"])
    markdown = "Intro.\n\n" + code + "\n\nThe end.\n\n" + "After. " * 2000
    layout = PostLayout(Post(id=1, feed_id=1, guid="g", title="T", content_md=markdown), 80)
    document = layout.whole()
    starts = [block.start for block in document.blocks]
    assert len(starts) >= 2 and starts[0] == 0
    fence = layout.body.index("````")
    fence_end = layout.body.rindex("````")
    # No block starts inside the code block, and the blocks cover the post, in order.
    assert not any(fence < start <= fence_end for start in starts)
    assert [b.end for b in document.blocks[:-1]] == starts[1:] and document.blocks[-1].end == len(layout.body)


#: A long post with every kind of block Rich lays out (lists tight and loose, nested, a table, a
#: quote, code fenced and indented, a rule, HTML, a footnote), past AT_ONCE characters.
MIXED = "\n\n".join(
    [
        f"## Part {n}\n\nA paragraph of words [a link](https://example.invalid/{n}) and `code` here."
        " "
        * 2
        + "More words to wrap over the line. " * 8
        + f"[^{n}]\n\n1. one\n\n2. two\n\n- tight\n- list\n  - nested\n\n> a quote\n>\n> more of it\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n    indented code\n\n    more of it\n\n---\n\n"
        f"```python\nx = {n}\n```\n\n<div>html</div>\n\n[^{n}]: note {n}"
        for n in range(1, 40)
    ]
)


def test_a_post_laid_out_in_blocks_has_the_lines_of_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    post = Post(id=1, feed_id=1, guid="g", title="Mixed", content_md=MIXED, feed_title="Blog")
    blocks = PostLayout(post, 90).whole()
    monkeypatch.setattr(reader, "AT_ONCE", 10**9)  # one block: Rich's layout of the whole
    whole = PostLayout(post, 90).whole()
    assert len(blocks.blocks) > 10 and len(whole.blocks) == 1
    assert [list(strip) for strip in blocks.strips] == [list(strip) for strip in whole.strips]
    assert (blocks.notes, blocks.refs, blocks.links) == (whole.notes, whole.refs, whole.links)


def test_a_place_is_the_same_line_again_and_its_screen_is_the_wholes() -> None:
    post = Post(id=1, feed_id=1, guid="g", title="Mixed", content_md=MIXED, feed_title="Blog")
    whole = PostLayout(post, 100).whole()
    height = 30
    for line in [*range(1, len(whole.strips), len(whole.strips) // 9), len(whole.strips) - 2]:
        place = whole.place_of(line)
        assert place is not None and 0 <= place <= 1
        stored = float(f"{place:.6f}")  # as Library.set_reading_place keeps it
        assert whole.line_of(stored) == line
        # Its first screen, laid out apart, shows what the whole shows there (its end included).
        first = PostLayout(post, 100).first_screen(height, stored)
        assert not first.complete and len(first.blocks) < len(whole.blocks)
        top = max(0, min(line, len(whole.strips) - height))
        at = max(0, min(first.line_of(stored), len(first.strips) - height))
        assert [s.text for s in first.strips[at : at + height]] == [
            s.text for s in whole.strips[top : top + height]
        ]
