"""Form submissions (view_submission), one file per feature. What a form acts on comes from its
signed metadata, and the submitter is authorized again for it (`handlers.guard.form`)."""

from __future__ import annotations

from slack_bolt import App

from handlers.views import requests, session_asks, session_log, sessions, support


def register(app: App) -> None:
    for feature in (sessions, requests, support, session_log, session_asks):
        feature.register(app)
