"""Block Kit and message text, built from the values they are given."""
