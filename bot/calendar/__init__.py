"""Sessions as calendar data (RFC 5545, built with `icalendar`): the invite sent on each change
and the staff calendar feed. Written in the current language (`bot.i18n.speaking`)."""
