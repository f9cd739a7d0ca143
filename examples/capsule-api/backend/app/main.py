import logging

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text

from app.api import auth, capsules, recipients
from app.core.config import settings
from app.core.logging import configure_logging
from app.db.base import engine
from app.middleware.rate_limiting import RateLimitMiddleware

configure_logging()
logger = logging.getLogger(__name__)

app = FastAPI(title=settings.app_name, version="0.9.0")

app.add_middleware(
    CORSMiddleware,
    allow_origins=settings.cors_origins,
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
app.add_middleware(RateLimitMiddleware, requests_per_minute=settings.rate_limit_per_minute)

app.include_router(auth.router, prefix="/api/auth", tags=["auth"])
app.include_router(capsules.router, prefix="/api/capsules", tags=["capsules"])
app.include_router(recipients.router, prefix="/api/recipients", tags=["recipients"])


@app.on_event("startup")
async def on_startup() -> None:
    logger.info("Starting %s", settings.app_name)


@app.on_event("shutdown")
async def on_shutdown() -> None:
    await engine.dispose()


@app.get("/health")
async def health() -> dict[str, str]:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run("app.main:app", host="0.0.0.0", port=8000, reload=False)
