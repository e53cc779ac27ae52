"""A blog's own page above its posts: what it is, how its archive came home, and its posts per month."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from ...config import FeedSettings
from ...models import Feed
from ...output import archive_words, feed_counts, feed_span


def card_text(feed: Feed, settings: FeedSettings | None = None) -> Text:
    """The card's facts, as plain text (a feed's title and error are never markup); ``settings``:
    the feed's own settings, in a line of their own when they are not the defaults."""
    text = Text(no_wrap=False)
    text.append(feed.title or feed.url, style="bold")
    if feed.site_url:
        text.append(f"  {feed.site_url}", style="dim")
    since = feed.added_at.strftime("%Y-%m-%d") if feed.added_at else "?"
    text.append(f"\nsubscribed {since} · {feed_counts(feed)}")
    text.append(f"\n{feed_span(feed)}")
    text.append(f"\n{archive_words(feed)}")
    fetched = feed.fetched_at.strftime("%Y-%m-%d %H:%M") if feed.fetched_at else "never"
    if feed.error:  # the time is the last fetch that went well; the one after it failed
        text.append(f"\nlast good fetch {fetched}", style="dim")
        text.append(f"\nlast fetch failed: {feed.error}", style="bold red")
    else:
        text.append(f"\nlast fetch {fetched}", style="dim")
    if settings is not None and settings != FeedSettings():  # the defaults go without saying
        text.append(f"\n{settings_words(settings)} (ctrl+p: Feed …)", style="dim")
    return text


def settings_words(settings: FeedSettings) -> str:
    """A feed's own settings in words: "archive walking on · full articles off"."""
    walk = "on" if settings.archive else "off"
    full = "on" if settings.full_article else "off"
    return f"archive walking {walk} · full articles {full}"


def monthly(months: Sequence[tuple[int, int, int]]) -> tuple[list[int], list[tuple[int, int]]]:
    """Posts per month from the first dated month to the last, empty months as 0, and where each
    year starts in that list: ``(counts, [(year, index)])``."""
    if not months:
        return [], []
    found = {(y, m): n for y, m, n in months}
    (year, month), (last_year, last_month) = months[0][:2], months[-1][:2]
    counts: list[int] = []
    years: list[tuple[int, int]] = []
    while (year, month) <= (last_year, last_month):
        if month == 1 or not years:
            years.append((year, len(counts)))
        counts.append(found.get((year, month), 0))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return counts, years


class YearBar(Widget, can_focus=True):
    """The timeline's years, under the chart: ←/→ pick one, enter (or a click) moves the list there."""

    DEFAULT_CSS = """
    YearBar { height: 1; }
    YearBar:focus { background: $primary 20%; }
    """

    BINDINGS = [
        Binding("left,h", "previous_year", "Earlier year", show=False, id="year_earlier"),
        Binding("right,l", "next_year", "Later year", show=False, id="year_later"),
        Binding("enter", "pick", "Go to year", show=False, id="year_pick"),
    ]

    selected: reactive[int] = reactive(0)

    class Picked(Message):
        """A year was picked: the list moves to its first post."""

        def __init__(self, year: int) -> None:
            self.year = year
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.years: list[tuple[int, int]] = []
        self.months = 0

    def set_years(self, years: list[tuple[int, int]], months: int) -> None:
        self.years, self.months = years, months
        self.selected = len(years) - 1 if years else 0
        self.refresh()

    def _spans(self) -> list[tuple[int, int, int]]:
        """Each year's label as ``(year, start, end)`` columns, placed under its months."""
        width = self.size.width or 80
        spans = []
        end = 0
        for year, index in self.years:
            label = str(year)
            start = max(end, int(index * width / max(1, self.months)))
            if start + len(label) > width:
                break
            spans.append((year, start, start + len(label)))
            end = start + len(label) + 1
        return spans

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        selected = self.years[self.selected][0] if self.years else None
        for year, start, _end in self._spans():
            text.append(" " * (start - text.cell_len))
            style = "reverse bold" if year == selected and self.has_focus else "dim"
            text.append(str(year), style=style)
        return text

    def action_previous_year(self) -> None:
        self.selected = max(0, self.selected - 1)

    def action_next_year(self) -> None:
        self.selected = min(len(self.years) - 1, self.selected + 1)

    def action_pick(self) -> None:
        if self.years:
            self.post_message(self.Picked(self.years[self.selected][0]))

    def on_click(self, event: events.Click) -> None:
        for year, start, end in self._spans():
            if start <= event.x < end:
                self.selected = next(i for i, (y, _) in enumerate(self.years) if y == year)
                self.post_message(self.Picked(year))
                return


class FeedCard(Vertical):
    """The card of the feed chosen in the sidebar: its facts, then its posts per month."""

    DEFAULT_CSS = """
    FeedCard { height: auto; padding: 0 1; background: $panel; display: none; }
    FeedCard.-shown { display: block; }
    FeedCard > #card-facts { height: auto; }
    FeedCard > #card-timeline { height: 2; margin-top: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.feed: Feed | None = None
        #: The facts' lines shown, when none was wrapped (None: not known).
        self._facts_lines: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="card-facts")
        yield Sparkline([], id="card-timeline")
        yield YearBar(id="card-years")

    def show(
        self,
        feed: Feed | None,
        months: Sequence[tuple[int, int, int]] = (),
        settings: FeedSettings | None = None,
    ) -> None:
        """Show a feed's card (``None`` hides it), with its own settings when given."""
        self.feed = feed
        self.set_class(feed is not None, "-shown")
        if feed is None:
            self._facts_lines = None  # hidden: shown again, it is laid out again
            return
        facts = self.query_one("#card-facts", Static)
        text = card_text(feed, settings)
        # As many lines as the facts shown, none wrapped: the card keeps its height, and only it
        # is repainted (a layout repaints every widget of the screen: ~35 ms at 160 by 48, the
        # most of a card's time when one feed is chosen after another).
        width = facts.content_region.width
        lines = text.plain.split("\n")
        shape = len(lines) if width > 0 and all(cell_len(line) < width for line in lines) else None
        facts.update(text, layout=shape is None or shape != self._facts_lines)
        self._facts_lines = shape
        counts, years = monthly(months)
        self.query_one("#card-timeline", Sparkline).data = counts or [0]
        self.query_one(YearBar).set_years(years, len(counts))
