"""`python -m spotkeeper.cli ...`: the command line without the installed `spotkeeper` script."""

from spotkeeper.cli import app

app(prog_name="spotkeeper")
