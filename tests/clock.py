"""A clock tests can move: the whole process (dates, timestamps) sees the day chosen.

Days are counted from START, noon UTC, so a day never changes under a test wherever it runs.
"""

import datetime as dt

import pytest
import time_machine

START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.traveller = None

    def go(self, days: int) -> str:
        """Move to START + `days` (time keeps running from there); return that date as text."""
        self.stop()
        self.traveller = time_machine.travel(START + dt.timedelta(days=days), tick=True)
        self.traveller.start()
        return self.date(days)

    @staticmethod
    def date(days: int) -> str:
        return (START + dt.timedelta(days=days)).date().isoformat()

    def stop(self) -> None:
        if self.traveller is not None:
            self.traveller.stop()
            self.traveller = None


@pytest.fixture
def clock():
    """A Clock at day 0; tests move it forward with `clock.go(days)`."""
    moving = Clock()
    moving.go(0)
    yield moving
    moving.stop()
