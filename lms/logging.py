"""JSON log lines for a monitoring system (one object per line, no personal data).

Security events go to the `lms.security` logger through `security_event`, which
records ids and paths but never names, e-mails, tokens or request bodies.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.http import HttpRequest

security_logger = logging.getLogger("lms.security")

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(
            {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        )
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def security_event(
    event: str,
    request: HttpRequest | None = None,
    *,
    level: int = logging.INFO,
    message: str | None = None,
    **fields: object,
) -> None:
    """Log a security-relevant event (refusal, revocation, export) with its context.

    `message` replaces the event name as the log line's text (kept free of personal
    data like every field); refusals use `level=logging.WARNING`.
    """
    context: dict[str, object] = {"event": event, **fields}
    if request is not None:
        user = getattr(request, "user", None)
        context.update(
            path=request.path,
            method=request.method,
            user_id=user.pk if user is not None and user.is_authenticated else None,
            ip=request.META.get("REMOTE_ADDR"),
        )
    security_logger.log(level, message or event, extra=context)
