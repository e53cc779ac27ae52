"""The reader's text passes: link numbering and the progressive split respect fenced code."""

from __future__ import annotations

from blogtui.content.text import fenced
from blogtui.ui.widgets.reader import number_links, split_markdown

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


def test_split_never_cuts_inside_a_code_block() -> None:
    code = "\n".join(["````", *(["```", "", "x = 1", "```", ""] * 50), "````"])
    markdown = "Intro.\n\n" + code + "\n\nThe end.\n\nAfter."
    head, rest = split_markdown(markdown, first=20)
    assert head + rest == markdown
    assert head.count("````") in (0, 2)
    assert rest.startswith("The end") or not rest
