"""Contract errors: a record that does not satisfy ``tipwatch.post/1``."""

from __future__ import annotations


class ContractError(ValueError):
    """A record failed validation. ``problems`` lists ``(field path, reason)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {reason}" for path, reason in problems))

    @property
    def reason(self) -> str:
        """One line for logs and dead-letter headers."""
        return str(self)
