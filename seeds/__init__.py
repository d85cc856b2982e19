"""Bundled seed sets, shipped inside the package as tracker.seeds."""
