from lastmile.cli import app

app()
