"""verbose=1: a per-epoch table, plain in logs and pipes, coloured (with a bar) on a terminal."""

from __future__ import annotations

import contextlib
import io
import pickle
import re

import pytest

from skcontrast.embed._callbacks import EpochLog, TerminalProgressBar, is_terminal
from tests.embed._support import data, tiny

pytestmark = pytest.mark.filterwarnings("ignore:the final training loss is at or near")

ESC = "\x1b["


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self):
        return True


@contextlib.contextmanager
def terminal():
    """stdout and stderr replaced by fake terminals; yields (stdout, stderr).

    A context manager inside the test, not a fixture: pytest's output capture
    puts its own sys.stdout back between a fixture's setup and the test.
    """
    out, err = FakeTerminal(), FakeTerminal()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def epoch_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\s*\d+/\d+\s", line)]


def test_not_a_terminal_gets_plain_lines(capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    tiny(verbose=1, max_epochs=3).fit(data(n=48))
    out, err = capsys.readouterr()
    assert ESC not in out and ESC not in err
    assert "\r" not in out and "\r" not in err  # no progress bar redraws
    lines = out.splitlines()
    assert lines[0].startswith("views (augmenter_): ")  # what augmenter="auto" chose
    lines = lines[next(i for i, line in enumerate(lines) if line.lstrip().startswith("epoch")) :]
    assert lines[0].split()[:2] == ["epoch", "train_loss"]
    assert set(lines[1]) <= {"-", " "}  # the table's rule
    assert [line.split()[0] for line in epoch_lines(out)] == ["1/3", "2/3", "3/3"]


def test_terminal_gets_colours_and_a_progress_bar(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    with terminal() as (out, err):
        tiny(verbose=1, max_epochs=3).fit(data(n=48))
    assert ESC in out.getvalue()  # the improved losses, coloured by skorch
    assert "it/s" in err.getvalue() or "%|" in err.getvalue()  # tqdm's bar
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    assert len(epoch_lines(plain)) == 3


def test_no_color_turns_colours_off_on_a_terminal(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    with terminal() as (out, _):
        tiny(verbose=1, max_epochs=2).fit(data(n=48))
    assert ESC not in out.getvalue()
    assert len(epoch_lines(out.getvalue())) == 2


def test_a_sink_other_than_print_gets_plain_text(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    emb = tiny(max_epochs=2).fit(data(n=48))
    emb.net_.verbose = 1  # PrintLog prints through print only when the net is verbose
    emb.net_.history[-1]["train_loss_best"] = True  # a value skorch colours
    lines = []
    with terminal() as (out, _):
        for sink in (lines.append, print):
            log = EpochLog(sink=sink).initialize()
            log.on_train_begin(emb.net_)
            log.on_epoch_end(emb.net_)
    assert lines and all(ESC not in line for line in lines)
    assert ESC in out.getvalue()  # the same row printed to the terminal is coloured


def test_partial_fit_counts_on_from_the_epochs_trained(capsys):
    X = data(n=48)
    emb = tiny(verbose=1, max_epochs=2).fit(X)
    capsys.readouterr()
    emb.partial_fit(X)
    out = capsys.readouterr().out
    assert [line.split()[0] for line in epoch_lines(out)] == ["3/4", "4/4"]


def test_epoch_column_keeps_its_width(capsys):
    tiny(verbose=1, max_epochs=10).fit(data(n=48))
    lines = epoch_lines(capsys.readouterr().out)
    assert [line.split()[0] for line in lines[:2]] == ["1/10", "2/10"]
    assert len({line.index("/") for line in lines}) == 1  # k right-aligned: 1/10 .. 10/10


def test_verbose_0_prints_nothing():
    with terminal() as (out, err):
        tiny(verbose=0, max_epochs=2).fit(data(n=48))
    assert out.getvalue() == "" and err.getvalue() == ""


def test_verbose_embedder_pickles_and_keeps_training(capsys):
    X = data(n=48)
    emb = pickle.loads(pickle.dumps(tiny(verbose=1, max_epochs=1).fit(X)))
    emb.partial_fit(X)
    assert isinstance(dict(emb.net_.callbacks_)["progress_bar"], TerminalProgressBar)
    assert epoch_lines(capsys.readouterr().out)[-1].split()[0] == "2/2"


@pytest.mark.parametrize(
    ("stream", "expected"),
    [(FakeTerminal(), True), (io.StringIO(), False), (object(), False)],
)
def test_is_terminal(stream, expected, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert is_terminal(stream) is expected


def test_is_terminal_false_for_a_closed_stream(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.StringIO()
    stream.close()  # isatty() now raises ValueError
    assert is_terminal(stream) is False
