import pytest
from typer.testing import CliRunner

from lastmile.cli import app


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--speed", "0", "must be a positive number or inf"),
        ("--speed", "nan", "must be a positive number or inf"),
        ("--timezone", "Mars/Base", "is not an IANA time zone"),
    ],
)
def test_simulate_refuses_bad_options_before_touching_a_server(
    option: str, value: str, message: str
) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "--url", "http://127.0.0.1:9", "--api-key", "k", option, value]
    )
    assert result.exit_code == 2
    assert message in result.output
