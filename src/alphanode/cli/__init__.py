"""The only place that imports Typer/Rich: one module per command group."""
