"""The rules of the product (SPEC): plain Python, no Slack, SQL, network or clock."""
