"""Use cases: load, lock, apply the domain rules and record, through `storage`."""
