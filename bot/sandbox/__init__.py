"""`oura-bot try`: the real app in a terminal, with a local stand-in for Slack's Web API."""
