"""Staff pages of the risk app."""
