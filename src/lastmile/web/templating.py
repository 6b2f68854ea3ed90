"""One Jinja2 environment for every server-rendered page, autoescaped."""

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

_WEB = Path(__file__).parent


def make_templates() -> Jinja2Templates:
    loader = ChoiceLoader(
        [FileSystemLoader(_WEB / "templates"), FileSystemLoader(_WEB / "tracking" / "templates")]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]))
    return Jinja2Templates(env=env)
