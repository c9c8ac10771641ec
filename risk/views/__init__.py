"""Staff pages of the risk app, one module per concern."""
