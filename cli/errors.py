"""Errors a user can cause on the command line, reported as one line and exit status 2."""


class UsageError(Exception):
    """A bad flag, value, file or folder: printed as one line; the exit status is 2."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a resumable command: says what was kept and how to continue."""

    def __init__(self, kept: str) -> None:
        super().__init__(kept)
        self.kept = kept
