"""A fault of the hub ends the command in one line on stderr and exit 1: no traceback, no value."""

from __future__ import annotations

import pytest
import structlog

from hub.cli import app


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> object:
    # main() configures structlog to print to the sys.stderr of the moment: capsys's, here. Left
    # so, every later test's log line would go to a capture that is gone (and block the suite).
    yield
    structlog.reset_defaults()


def test_an_unexpected_error_is_one_line_without_its_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError('value "José Ramírez" is out of range: "José"\nDETAIL: more')

    monkeypatch.setattr(app, "app", broken)
    monkeypatch.setattr(app, "register", lambda _: None)
    with pytest.raises(SystemExit) as exited:
        app.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith('msix: internal error: RuntimeError: value "…" is out of range')
    assert "José" not in err
