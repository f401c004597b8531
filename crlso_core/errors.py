"""The one exception type for errors a user can cause.

The CLI (and later the app) catches it and prints its message alone, without a
traceback, so every message must say what went wrong and what to do about it.
"""


class CRLSOError(Exception):
    """A problem the user can fix: missing data, a bad cell string, a bad setting."""
