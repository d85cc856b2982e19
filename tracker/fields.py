"""Names users type that are not statuses: evidence stances, the fields `list` sorts by, and
what `score --by` groups by.

Kept apart from the models so the CLI can offer them as choices without loading SQLAlchemy.
"""

STANCES = ("supports", "contradicts", "context")
SORT_FIELDS = ("id", "key", "status", "made_on", "resolve_by", "next_review_on",
               "probability", "aggregate", "created_at", "updated_at")
# What the scorecards of resolved forecasts group by; `forecaster` scores people's estimates instead.
FORECAST_GROUPINGS = ("source", "author", "tag")
GROUPINGS = (*FORECAST_GROUPINGS, "forecaster")
