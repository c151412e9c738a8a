"""The exceptions users see, in one place.

    UserError                 something the user can fix; printed as one sentence, exit 1
     +-- StackError           the local stack cannot be installed, started or reached
     +-- BrokerUnavailable    Kafka cannot be reached (after retries)
     +-- SearchUnavailable    Elasticsearch cannot be reached (after retries)
    ConfigError               (tipwatch.config) problems naming file, line and key
    ContractError             (tipwatch.contract) a record that breaks tipwatch.post/1
"""

from __future__ import annotations


class UserError(Exception):
    """An error with a one-sentence explanation of what to do; no traceback is shown."""

    exit_code = 1


class StackError(UserError):
    """The local Kafka or Elasticsearch cannot be installed, started or reached."""


class BrokerUnavailable(UserError):
    """Kafka could not be reached."""


class SearchUnavailable(UserError):
    """Elasticsearch could not be reached."""
