"""The command line: parse arguments, call one service function, render its result."""
