import logging
import time
from collections import defaultdict
from typing import Dict

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

logger = logging.getLogger(__name__)

EXEMPT_PATHS = {"/health", "/docs", "/openapi.json"}


class RateLimitMiddleware(BaseHTTPMiddleware):
    """Sliding-window rate limiter keyed by client IP."""

    def __init__(self, app, requests_per_minute: int = 60, window_seconds: int = 60) -> None:
        super().__init__(app)
        self.requests_per_minute = requests_per_minute
        self.window_seconds = window_seconds
        # In-memory storage (lost on restart)
        self._request_times: Dict[str, list[float]] = defaultdict(list)
        self._last_cleanup = time.monotonic()

    def _client_key(self, request: Request) -> str:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
        return request.client.host if request.client else "unknown"

    def _cleanup(self, now: float) -> None:
        # Drop idle clients every few minutes so the dict does not grow forever.
        if now - self._last_cleanup < 300:
            return
        cutoff = now - self.window_seconds
        for key in list(self._request_times):
            if not self._request_times[key] or self._request_times[key][-1] < cutoff:
                del self._request_times[key]
        self._last_cleanup = now

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in EXEMPT_PATHS:
            return await call_next(request)

        now = time.monotonic()
        self._cleanup(now)

        key = self._client_key(request)
        window_start = now - self.window_seconds
        times = [t for t in self._request_times[key] if t > window_start]

        if len(times) >= self.requests_per_minute:
            retry_after = int(self.window_seconds - (now - times[0])) + 1
            logger.warning("Rate limit exceeded for %s", key)
            return JSONResponse(
                {"detail": "Too many requests"},
                status_code=429,
                headers={"Retry-After": str(retry_after)},
            )

        times.append(now)
        self._request_times[key] = times
        return await call_next(request)
