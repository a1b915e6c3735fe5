"""The `fenjie` command line."""
