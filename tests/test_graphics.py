"""How pictures are drawn: the terminal asked before the app starts (``ui/graphics.py``) against
fake terminals (a pty whose other end answers, or not), the choice made of the answers and the
setting, and the Kitty graphics sequences made for a small picture (placeholders, upload,
deletion), checked piece by piece."""

from __future__ import annotations

import base64
import io
import os
import re
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from rich.cells import cell_len

from blogtui.config import load_config
from blogtui.errors import ConfigError
from blogtui.ui import graphics
from blogtui.ui.graphics import Answers, ask_terminal, choose_protocol, parse_answers
from blogtui.ui.widgets import images

KITTY_OK = b"\x1b_Gi=31;OK\x1b\\"
KITTY_NO = b"\x1b_Gi=31;ENOTSUPPORTED:no graphics\x1b\\"
DA1_SIXEL = b"\x1b[?62;4;22c"
DA1_PLAIN = b"\x1b[?1;2c"


@pytest.fixture(autouse=True)
def halfcell_after() -> Iterator[None]:
    """Each test leaves pictures drawn in half cells at 10 x 20 pixel cells, as the others expect."""
    yield
    images.use_protocol("halfcell", cell=images.DEFAULT_CELL)


# -- the answers and the choice -----------------------------------------------------------------


def test_parse_answers_reads_kitty_xtversion_and_da1_among_other_bytes() -> None:
    answers = parse_answers(b"j" + KITTY_OK + b"\x1bP>|kitty(0.35.2)\x1b\\" + DA1_PLAIN)
    assert answers == Answers(kitty=True, sixel=False, version="kitty(0.35.2)", complete=True)
    assert parse_answers(KITTY_NO + DA1_SIXEL) == Answers(kitty=False, sixel=True, complete=True)
    assert parse_answers(DA1_PLAIN) == Answers(complete=True)
    assert parse_answers(b"") == Answers()
    # Another image id's answer (not our query's) says nothing of it.
    assert not parse_answers(b"\x1b_Gi=7;OK\x1b\\" + DA1_PLAIN).kitty


@pytest.mark.parametrize(
    ("setting", "answers", "env", "protocol"),
    [
        ("auto", parse_answers(KITTY_OK + b"\x1bP>|kitty(0.35.2)\x1b\\" + DA1_PLAIN), {}, "kitty"),
        ("auto", parse_answers(KITTY_OK + DA1_PLAIN), {"TERM": "xterm-ghostty"}, "kitty"),
        # Sixel, but the size of a cell unknown (test_reader_sixel.py: known).
        ("auto", parse_answers(KITTY_NO + DA1_SIXEL), {}, "halfcell"),
        ("auto", parse_answers(DA1_PLAIN), {}, "halfcell"),
        ("auto", parse_answers(b""), {}, "halfcell"),  # no answer in time
        ("auto", None, {}, "halfcell"),  # not a terminal
        # Kitty graphics without Unicode placeholders: by name, or by the environment's mark.
        ("auto", parse_answers(KITTY_OK + b"\x1bP>|WezTerm 20240203\x1b\\" + DA1_SIXEL), {}, "halfcell"),
        ("auto", parse_answers(KITTY_OK + DA1_PLAIN), {"TERM_PROGRAM": "WezTerm"}, "halfcell"),
        ("auto", parse_answers(KITTY_OK + DA1_PLAIN), {"KONSOLE_VERSION": "230804"}, "halfcell"),
        # tmux (or screen): half cells, whatever is said, unless forced.
        ("auto", parse_answers(KITTY_OK + DA1_PLAIN), {"TMUX": "/tmp/tmux-0/default,1,0"}, "halfcell"),
        ("auto", parse_answers(KITTY_OK + DA1_PLAIN), {"TERM": "screen-256color"}, "halfcell"),
        ("kitty", None, {"TMUX": "/tmp/tmux-0/default,1,0"}, "kitty"),
        ("halfcell", parse_answers(KITTY_OK + DA1_PLAIN), {}, "halfcell"),
    ],
)
def test_choose_protocol(setting: str, answers: Answers | None, env: dict[str, str], protocol: str) -> None:
    choice = choose_protocol(setting, answers, env)
    assert choice.protocol == protocol and choice.reason


# -- asking a fake terminal ---------------------------------------------------------------------


class FakeTerminal:
    """The far end of a pty: reads what is written to the terminal and answers ``answer`` once
    the whole query has come (nothing: a terminal that never answers)."""

    def __init__(self, answer: bytes, delay: float = 0.0) -> None:
        self.leader, self.follower = os.openpty()
        self.answer, self.delay = answer, delay
        self.received = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.received.endswith(b"\x1b[c"):
            self.received += os.read(self.leader, 4096)
        time.sleep(self.delay)
        if self.answer:
            os.write(self.leader, self.answer)

    def close(self) -> None:
        self.thread.join(2)
        os.close(self.leader)
        os.close(self.follower)


def test_ask_terminal_writes_the_query_and_reads_until_da1() -> None:
    terminal = FakeTerminal(KITTY_OK + b"\x1bP>|kitty(0.35.2)\x1b\\" + DA1_PLAIN, delay=0.02)
    try:
        before = termios.tcgetattr(terminal.follower)
        started = time.monotonic()
        got = ask_terminal(terminal.follower, terminal.follower, timeout=5)
        assert time.monotonic() - started < 2  # DA1 ended the wait, not the timeout
        assert terminal.received == graphics.QUERY
        assert parse_answers(got) == Answers(kitty=True, version="kitty(0.35.2)", complete=True)
        assert termios.tcgetattr(terminal.follower) == before  # echo and line mode given back
    finally:
        terminal.close()


def test_ask_terminal_gives_up_at_the_timeout_when_nothing_answers() -> None:
    terminal = FakeTerminal(b"")
    try:
        started = time.monotonic()
        got = ask_terminal(terminal.follower, terminal.follower, timeout=0.2)
        took = time.monotonic() - started
        assert got == b"" and 0.15 <= took < 1.5
        assert choose_protocol("auto", parse_answers(got), {}).protocol == "halfcell"
    finally:
        terminal.close()


def test_a_kitty_answer_without_da1_still_counts_after_the_timeout() -> None:
    terminal = FakeTerminal(KITTY_OK)
    try:
        answers = parse_answers(ask_terminal(terminal.follower, terminal.follower, timeout=0.3))
        assert answers.kitty and not answers.complete
    finally:
        terminal.close()


def test_probe_terminal_asks_the_terminal_on_stdin_and_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    terminal = FakeTerminal(KITTY_OK + b"\x1bP>|kitty(0.35.2)\x1b\\" + DA1_PLAIN)
    for name in ("TMUX", "TERM_PROGRAM", "KONSOLE_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-kitty")
    monkeypatch.setenv("COLORTERM", "")
    try:
        with open(os.dup(terminal.follower)) as stdin, open(os.dup(terminal.follower), "w") as stdout:
            monkeypatch.setattr(sys, "__stdin__", stdin)
            monkeypatch.setattr(sys, "__stdout__", stdout)
            assert images.probe_terminal("auto") == "kitty"
        assert images.protocol() == "kitty"
        assert os.environ["COLORTERM"] == "truecolor"  # placeholder ids need 24-bit colour
    finally:
        terminal.close()


def test_a_forced_protocol_asks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    leader, follower = os.openpty()
    try:
        with open(os.dup(follower)) as stdin, open(os.dup(follower), "w") as stdout:
            monkeypatch.setattr(sys, "__stdin__", stdin)
            monkeypatch.setattr(sys, "__stdout__", stdout)
            assert images.probe_terminal("halfcell") == "halfcell"
        os.set_blocking(leader, False)
        with pytest.raises(BlockingIOError):
            os.read(leader, 100)  # nothing was written to the terminal
    finally:
        os.close(leader)
        os.close(follower)


def test_image_protocol_is_a_checked_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_config(path).image_protocol == "auto"
    for value in ("kitty", "sixel", "halfcell", "auto"):
        path.write_text(f'image_protocol = "{value}"\n')
        assert load_config(path).image_protocol == value
    path.write_text('image_protocol = "iterm"\n')
    with pytest.raises(
        ConfigError, match='image_protocol = "iterm": must be one of auto, kitty, sixel, halfcell'
    ):
        load_config(path)


# -- Kitty's sequences for a small picture ------------------------------------------------------


def small_png(path: Path, size: tuple[int, int] = (40, 30)) -> Path:
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))
    image.save(path, "PNG")
    return path


def test_kitty_placeholders_number_each_cell_and_carry_the_id_in_24_bit_colour() -> None:
    tgp = images._tgp()
    table = tgp._NUMBER_TO_DIACRITIC
    strips = images.kitty_placeholders(0x03123456, 4, 3)
    assert len(strips) == 3
    for row, strip in enumerate(strips):
        assert strip.cell_length == 4 and cell_len(strip.text) == 4
        segments = list(strip)
        assert len(segments) == 1
        style = segments[0].style
        assert style is not None and style.color is not None
        assert style.color.triplet is not None and tuple(style.color.triplet) == (0x12, 0x34, 0x56)
        cells = re.findall("\U0010eeee(.)(.)(.)", strip.text)
        assert len(cells) == 4 and "".join("".join(c) for c in cells) == strip.text.replace("\U0010eeee", "")
        for column, (r, c, high) in enumerate(cells):
            assert (ord(r), ord(c), ord(high)) == (table[row], table[column], table[3])


def test_kitty_upload_sends_a_png_in_chunks_and_places_it_virtually() -> None:
    image = Image.effect_noise((120, 80), 60).convert("RGB")  # noise: several chunks of base64
    out = io.BytesIO()
    image.save(out, "PNG")
    upload = images.kitty_upload(4242, out.getvalue(), 12, 4)
    commands = re.findall(r"\x1b_G([^;\x1b]*);?([^\x1b]*)\x1b\\", upload)
    assert "".join(f"\x1b_G{k}{';' + p if p else ''}\x1b\\" for k, p in commands) == upload
    assert len(commands) > 1
    first = dict(kv.split("=") for kv in commands[0][0].split(","))
    assert first == {
        "a": "T",
        "U": "1",
        "f": "100",
        "t": "d",
        "i": "4242",
        "c": "12",
        "r": "4",
        "q": "2",
        "m": "1",
    }
    for keys, payload in commands[1:-1]:
        assert keys == "q=2,m=1" and len(payload) == 4096
    assert commands[-1][0] == "q=2,m=0"
    assert all(len(payload) <= 4096 for _, payload in commands)
    png = base64.standard_b64decode("".join(payload for _, payload in commands))
    assert png == out.getvalue()


def test_inside_tmux_kitty_commands_are_wrapped_for_passthrough() -> None:
    images.use_protocol("kitty", tmux=True)
    command = images.kitty_command("a=d,d=I,i=9,q=2")
    assert command == "\x1bPtmux;\x1b\x1b_Ga=d,d=I,i=9,q=2\x1b\x1b\\\x1b\\"


def test_kitty_pictures_are_sent_once_and_deleted_when_forgotten(tmp_path: Path) -> None:
    path = small_png(tmp_path / "p.png")
    images.use_protocol("kitty", cell=(10, 20))
    images.send_uploads(object())  # whatever an earlier test left
    strips = images.picture_strips(path, 4, 2, (30, 30, 30))
    assert len(strips) == 2 and strips[0].cell_length == 4
    style = next(iter(strips[0])).style
    assert style is not None and style.color is not None and style.color.triplet is not None
    image_id = int.from_bytes(bytes(style.color.triplet), "big")
    assert images.picture_strips(path, 4, 2, (30, 30, 30)) is strips  # kept

    class Driver:
        def __init__(self) -> None:
            self.written: list[str] = []

        def write(self, data: str) -> None:
            self.written.append(data)

    class App:
        _driver = Driver()

    images.send_uploads(App)
    [upload] = App._driver.written
    assert upload.startswith(f"\x1b_Ga=T,U=1,f=100,t=d,i={image_id},c=4,r=2,q=2,m=0;")
    png = Image.open(io.BytesIO(base64.standard_b64decode(upload.split(";", 1)[1][:-2])))
    assert png.format == "PNG" and png.size == (40, 30)  # within 4 x 2 cells' pixels, never enlarged
    images.send_uploads(App)
    assert len(App._driver.written) == 1  # sent once
    images.forget_drawn()
    images.send_uploads(App)
    assert App._driver.written[1] == f"\x1b_Ga=d,d=I,i={image_id},q=2\x1b\\"


def test_kitty_pictures_past_the_terminals_memory_budget_are_deleted_oldest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = small_png(tmp_path / "a.png"), small_png(tmp_path / "b.png", (60, 30))
    images.use_protocol("kitty", cell=(10, 20))
    images.send_uploads(object())
    # Room for one 40 x 30 picture decoded (4 bytes a pixel), not two.
    monkeypatch.setattr(images, "KITTY_BYTES", 40 * 30 * 4 + 100)

    class App:
        class _driver:
            written: list[str] = []

            @classmethod
            def write(cls, data: str) -> None:
                cls.written.append(data)

    old = images.picture_strips(first, 4, 2, (30, 30, 30))
    images.send_uploads(App)
    old_id = int.from_bytes(bytes(next(iter(old[0])).style.color.triplet), "big")  # type: ignore[union-attr,arg-type]
    images.picture_strips(second, 6, 2, (30, 30, 30))
    images.send_uploads(App)
    assert App._driver.written[-1].endswith(f"\x1b_Ga=d,d=I,i={old_id},q=2\x1b\\")
    assert images.picture_strips(first, 4, 2, (30, 30, 30)) is not old  # drawn and sent again


def test_a_picture_wider_than_kitty_placeholders_number_is_drawn_in_half_cells(tmp_path: Path) -> None:
    path = small_png(tmp_path / "wide.png", (3000, 40))
    images.use_protocol("kitty", cell=(10, 20))
    strips = images.picture_strips(path, 300, 2, (30, 30, 30))  # 297 columns at most in Kitty's table
    assert len(strips) == 2 and strips[0].cell_length == 300 and set(strips[0].text) == {"▀"}
