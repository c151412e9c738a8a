"""``tipwatch run``: the stack, setup, then every worker supervised, with progress and a summary."""
