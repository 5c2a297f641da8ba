"""The agents: prefecture leaders, and the firm and citizen populations held as columns."""
