"""Sessions in people's calendars: add-to-calendar links (and invites)."""
