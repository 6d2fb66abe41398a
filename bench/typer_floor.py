"""A floor for `thidua --help`: the smallest Typer app with Rich help panels, printing its help.

`python -c "import typer"` never renders help; printing help with panels (which `thidua --help`
must, by role) also imports Typer's Rich renderer, whatever the app is.
"""

import typer

app = typer.Typer(add_completion=False)


@app.command(rich_help_panel="Một")
def one() -> None:
    """Một lệnh."""


@app.command(rich_help_panel="Hai")
def two() -> None:
    """Hai lệnh."""


if __name__ == "__main__":
    app()
