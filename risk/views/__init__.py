"""Staff pages of the risk app; one module per page group (grading, …)."""
