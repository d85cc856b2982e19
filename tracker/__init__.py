"""tracker: a command-line ledger of forecasts."""

__version__ = "0.1.0"
