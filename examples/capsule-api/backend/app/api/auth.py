import logging

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import CurrentUser, get_current_user
from app.db.base import get_session
from app.db.repositories import UserRepository
from app.schemas import UserOut

logger = logging.getLogger(__name__)
router = APIRouter()


@router.get("/me", response_model=UserOut)
async def me(
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> UserOut:
    user = await UserRepository(session).get(current_user.user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="Profile not found")
    return UserOut.model_validate(user)


@router.get("/users/search", response_model=list[UserOut])
async def search_users(
    q: str = Query(..., min_length=2, max_length=50),
    limit: int = Query(20, ge=1, le=50),
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> list[UserOut]:
    candidates = await UserRepository(session).search(q, limit=limit)

    # Prefer exact username / email-prefix matches, drop the caller, then trim to the page size.
    needle = q.lower()
    ranked = sorted(
        (u for u in candidates if u.id != current_user.user_id),
        key=lambda u: (u.username.lower() != needle, not u.email.lower().startswith(needle), u.username),
    )
    return [UserOut.model_validate(u) for u in ranked[:limit]]
