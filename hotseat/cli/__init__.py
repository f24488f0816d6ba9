"""The `hotseat` command line."""
