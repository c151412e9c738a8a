"""``tipwatch setup``: topics, index templates and aliases, alert rules. Idempotent."""

from tipwatch.setup.templates import install_templates, load_templates
from tipwatch.setup.topics import create_topics

__all__ = ["create_topics", "install_templates", "load_templates"]
