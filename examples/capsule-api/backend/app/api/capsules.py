from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import CurrentUser, get_current_user
from app.db.base import get_session
from app.db.repositories import CapsuleRepository
from app.schemas import CapsuleIn, CapsuleOut

router = APIRouter()


@router.get("", response_model=list[CapsuleOut])
async def my_capsules(
    skip: int = Query(0, ge=0),
    limit: int = Query(20, ge=1, le=100),
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> list[dict]:
    return await CapsuleRepository(session).list_for_owner(current_user.user_id, skip=skip, limit=limit)


@router.get("/inbox", response_model=list[CapsuleOut])
async def inbox(
    skip: int = Query(0, ge=0),
    limit: int = Query(20, ge=1, le=100),
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
):
    return await CapsuleRepository(session).inbox(current_user.user_id, skip=skip, limit=limit)


@router.get("/{capsule_id}")
async def get_capsule(
    capsule_id: UUID,
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
):
    capsule = await CapsuleRepository(session).get_with_recipients(capsule_id)
    if capsule is None or capsule.owner_id != current_user.user_id:
        raise HTTPException(status_code=404, detail="Capsule not found")
    return {
        "id": capsule.id,
        "title": capsule.title,
        "body": capsule.body,
        "status": capsule.status,
        "unlock_at": capsule.unlock_at,
        "recipients": [{"id": r.id, "email": r.email, "status": r.status} for r in capsule.recipients],
    }


@router.post("", response_model=CapsuleOut, status_code=status.HTTP_201_CREATED)
async def create_capsule(
    payload: CapsuleIn,
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
):
    return await CapsuleRepository(session).create(
        owner_id=current_user.user_id,
        title=payload.title,
        body=payload.body,
        unlock_at=payload.unlock_at,
    )
