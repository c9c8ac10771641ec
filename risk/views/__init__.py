"""Staff pages of the risk app."""
"""Staff pages of the risk app, one module per concern."""
"""Staff pages of the risk app; one module per page group (grading, …)."""
