import pytest

from lastmile.app import create_app
from lastmile.config import DEFAULT_SECRET_KEY, Settings, normalise_database_url
from lastmile.errors import InsecureSettings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_default_database_is_sqlite_in_the_data_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _settings(data_dir=tmp_path).resolved_database_url
    assert url == f"sqlite:///{tmp_path.resolve()}/lastmile.db"


def test_postgresql_urls_select_psycopg() -> None:
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert _settings(database_url="postgres://h/db").resolved_database_url.startswith(
        "postgresql+psycopg://"
    )


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LASTMILE_PORT", "9100")
    monkeypatch.setenv("LASTMILE_DATABASE_URL", "postgresql://db/lastmile")
    monkeypatch.setenv("LASTMILE_ACCESS_LOG", "false")
    settings = _settings()
    assert settings.port == 9100
    assert settings.access_log is False
    assert settings.resolved_database_url == "postgresql+psycopg://db/lastmile"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({}, "LASTMILE_SECRET_KEY is the built-in development default"),
        ({"secret_key": "short"}, "LASTMILE_SECRET_KEY is 5 characters"),
        ({"secret_key": "x" * 40, "public_url": "http://example.com"}, "LASTMILE_PUBLIC_URL"),
    ],
)
def test_production_refuses_insecure_settings_naming_them(
    values: dict[str, object], named: str
) -> None:
    settings = _settings(
        **{"env": "production", "public_url": "https://track.example.com", **values}
    )
    with pytest.raises(InsecureSettings, match=named):
        create_app(settings)


def test_production_starts_with_a_real_secret() -> None:
    settings = _settings(
        env="production", secret_key="s" * 48, public_url="https://track.example.com"
    )
    assert create_app(settings).state.settings is settings
    assert settings.secret_key.get_secret_value() != DEFAULT_SECRET_KEY


def test_secret_is_not_shown_in_repr() -> None:
    settings = _settings(secret_key="very-secret-value-" * 3)
    assert "very-secret-value" not in repr(settings)
