"""What the terminal can draw pictures with: asked once, before the app starts.

The reader draws a picture with Kitty's graphics protocol where the terminal speaks it (the
picture sent once, then shown by Unicode placeholder cells, which are text to Textual's
compositor: they scroll, crop and repaint like any line), else in Sixel where the terminal
draws it and says the pixel size of its cells (each line of the picture its own Sixel image, one
cell tall, written after that line's cells: see ``widgets/images.py``), else in half cells (``▀``,
which every terminal shows, tmux included). The ``image_protocol`` setting forces one
(``kitty``, ``sixel`` or ``halfcell``); ``auto`` asks the terminal.

The question is four escape sequences written in one go: Kitty's graphics query (a 1x1 image
the terminal is asked to check, not keep), XTVERSION (the terminal's name), the size of a cell
in pixels (``CSI 16 t``) and Primary Device Attributes (DA1: attribute 4 is Sixel), which nearly
every terminal answers, and answers last: its answer ends the wait. No answer within ``TIMEOUT``
(a terminal that answers nothing) is a terminal without graphics; the probe never waits longer.
stdin is read in cbreak mode meanwhile (no echo), only until DA1's answer, so a key typed during
those few milliseconds may be lost, never more.

Sixel is chosen only when the cell size is known (the terminal's answer, else ``TIOCGWINSZ``):
a picture's line must be exactly one cell tall, or it would spill over the next line or leave a
gap.
"""

from __future__ import annotations

import os
import re
import select
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import IMAGE_PROTOCOLS

#: How long the probe waits for the terminal's answers at most (seconds).
TIMEOUT = 0.5

#: The Kitty graphics query's image id (any; the answer names it back).
_QUERY_ID = 31
#: Kitty's query (``a=q``: check a 1x1 RGB image, keep nothing), XTVERSION, the cell size in
#: pixels, then DA1.
QUERY = (
    f"\x1b_Gi={_QUERY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\".encode() + b"\x1b[>0q" + b"\x1b[16t" + b"\x1b[c"
)

_KITTY_ANSWER = re.compile(rb"\x1b_G([^\x1b]*)\x1b\\")
_VERSION_ANSWER = re.compile(rb"\x1bP>\|([^\x1b]*)\x1b\\")
_DA1_ANSWER = re.compile(rb"\x1b\[\?([0-9;]*)c")
#: ``CSI 6 ; height ; width t``: a cell's size in pixels.
_CELL_ANSWER = re.compile(rb"\x1b\[6;([0-9]{1,4});([0-9]{1,4})t")

#: Terminals that answer Kitty's query but draw no Unicode placeholders (they show the images
#: only where a placement puts them, which a compositor of lines cannot do): by the name
#: XTVERSION gives, or their environment's mark.
_NO_PLACEHOLDERS = ("wezterm", "konsole")
_NO_PLACEHOLDERS_ENV = {"TERM_PROGRAM": "wezterm", "KONSOLE_VERSION": ""}


@dataclass(frozen=True, slots=True)
class Answers:
    """What the terminal answered to ``QUERY``."""

    #: Kitty's graphics query answered OK.
    kitty: bool = False
    #: DA1 names Sixel (attribute 4).
    sixel: bool = False
    #: The terminal's name and version (XTVERSION), if it said.
    version: str = ""
    #: DA1 answered (all that would come has come).
    complete: bool = False
    #: A cell's size in pixels, width and height, if the terminal said (``CSI 16 t``).
    cell: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """The way pictures are drawn, and why."""

    protocol: str  # "kitty", "sixel" or "halfcell"
    reason: str
    #: A cell's size in pixels, width and height, if known (the terminal's answer, else the one
    #: given to ``probe``).
    cell: tuple[int, int] | None = None


def parse_answers(data: bytes) -> Answers:
    """The answers in what the terminal wrote back (anything else in it is ignored)."""
    kitty = False
    for match in _KITTY_ANSWER.finditer(data):
        keys, _, status = match.group(1).partition(b";")
        if f"i={_QUERY_ID}".encode() in keys.split(b","):
            kitty = status == b"OK"
    version = _VERSION_ANSWER.search(data)
    da1 = _DA1_ANSWER.search(data)
    size = _CELL_ANSWER.search(data)
    cell = (int(size.group(2)), int(size.group(1))) if size else None
    return Answers(
        kitty=kitty,
        sixel=da1 is not None and b"4" in da1.group(1).split(b";"),
        version=version.group(1).decode("utf-8", "replace") if version else "",
        complete=da1 is not None,
        cell=cell if cell and min(cell) > 0 else None,
    )


def ask_terminal(fd_in: int, fd_out: int, timeout: float = TIMEOUT) -> bytes:
    """Write ``QUERY`` to ``fd_out`` and read the answers from ``fd_in`` until DA1's answer, or
    ``timeout`` seconds at most; ``fd_in`` is in cbreak mode meanwhile (no echo), then as it was.

    Returns:
        What the terminal wrote back (empty: nothing in time).
    """
    import termios
    import tty

    saved = termios.tcgetattr(fd_in)
    got = b""
    try:
        tty.setcbreak(fd_in, termios.TCSANOW)
        os.write(fd_out, QUERY)
        deadline = time.monotonic() + timeout
        while not _DA1_ANSWER.search(got):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd_in], [], [], left)[0]:
                break
            chunk = os.read(fd_in, 4096)
            if not chunk:
                break
            got += chunk
    finally:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    return got


def _in_multiplexer(env: Mapping[str, str]) -> bool:
    term = env.get("TERM", "")
    return bool(env.get("TMUX")) or term.startswith(("screen", "tmux"))


def choose_protocol(
    setting: str, answers: Answers | None, env: Mapping[str, str], cell: tuple[int, int] | None = None
) -> Choice:
    """How pictures are drawn: the setting's way if it forces one, else what the terminal answered
    (``answers``; None: not asked, e.g. not a terminal): Kitty graphics, else Sixel when the size
    of a cell is known (the answers', else ``cell``), else half cells."""
    cell = (answers.cell if answers else None) or cell
    if setting in IMAGE_PROTOCOLS:
        return Choice(setting, f"image_protocol = {setting}", cell)
    if _in_multiplexer(env):
        # tmux answers for itself, and passes Kitty's sequences on only with allow-passthrough:
        # half cells unless the setting says the terminal beyond it draws them.
        return Choice("halfcell", "inside tmux or screen (image_protocol = kitty if passthrough works)", cell)
    if answers is None:
        return Choice("halfcell", "not a terminal", cell)
    name = answers.version.lower()
    if answers.kitty:
        marked = [
            key for key, value in _NO_PLACEHOLDERS_ENV.items() if key in env and value in env[key].lower()
        ]
        if not (any(known in name for known in _NO_PLACEHOLDERS) or marked):
            return Choice(
                "kitty", f"the terminal ({answers.version or 'unnamed'}) speaks Kitty graphics", cell
            )
        why = f"{answers.version or marked[0]}: Kitty graphics without placeholders"
    else:
        why = "the terminal said " + ("no answer" if not answers.complete else "no Kitty graphics")
    if answers.sixel:
        if cell is None:
            return Choice("halfcell", f"{why}; Sixel, but not the pixel size of its cells", cell)
        return Choice("sixel", f"the terminal ({answers.version or 'unnamed'}) draws Sixel", cell)
    return Choice("halfcell", why, cell)


def probe(setting: str, env: Mapping[str, str] | None = None, cell: tuple[int, int] | None = None) -> Choice:
    """Choose how pictures are drawn for the terminal on stdin and stdout (asked only when the
    setting is ``auto``, both are terminals, and no multiplexer stands between); ``cell``: the
    pixel size of a cell if known otherwise (``TIOCGWINSZ``)."""
    import sys

    env = os.environ if env is None else env
    answers = None
    stdin, stdout = sys.__stdin__, sys.__stdout__
    wants = setting == "auto" and not _in_multiplexer(env) and env.get("TERM", "") not in ("dumb", "linux")
    if wants and stdin is not None and stdout is not None and stdin.isatty() and stdout.isatty():
        try:
            import termios
        except ImportError:  # not a POSIX terminal
            return choose_protocol(setting, None, env, cell)
        try:
            stdout.flush()
            answers = parse_answers(ask_terminal(stdin.fileno(), stdout.fileno()))
        except (OSError, ValueError, termios.error):  # a stream closed, or not a terminal after all
            answers = None
    return choose_protocol(setting, answers, env, cell)
