import logging
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import CurrentUser, get_current_user
from app.db.base import get_session
from app.db.models import Recipient
from app.db.repositories import ConnectionRepository, RecipientRepository
from app.schemas import RecipientIn, RecipientOut

logger = logging.getLogger(__name__)
router = APIRouter()


@router.get("", response_model=list[RecipientOut])
async def list_recipients(
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> list[RecipientOut]:
    """All recipients of the caller, flagged with whether they are also a connection."""
    recipient_repo = RecipientRepository(session)
    connection_repo = ConnectionRepository(session)

    recipients = await recipient_repo.get_by_owner(
        owner_id=current_user.user_id,
        skip=0,  # Get all to check for missing connections
        limit=None,  # Get all to check for missing connections
    )
    connected = await connection_repo.connected_user_ids(current_user.user_id)

    out: list[RecipientOut] = []
    for recipient in recipients:
        item = RecipientOut.model_validate(recipient)
        item.is_connected = recipient.recipient_user_id in connected
        out.append(item)
    logger.info("Listed %d recipients for %s", len(out), current_user.user_id)
    return out


@router.get("/page", response_model=list[RecipientOut])
async def list_recipients_page(
    skip: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=200),
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> list[RecipientOut]:
    recipients = await RecipientRepository(session).get_by_owner(
        owner_id=current_user.user_id, skip=skip, limit=limit
    )
    return [RecipientOut.model_validate(r) for r in recipients]


@router.post("", response_model=RecipientOut, status_code=status.HTTP_201_CREATED)
async def add_recipient(
    payload: RecipientIn,
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> RecipientOut:
    recipient = await RecipientRepository(session).add(
        owner_id=current_user.user_id,
        email=payload.email,
        name=payload.name,
        capsule_id=payload.capsule_id,
    )
    return RecipientOut.model_validate(recipient)


@router.delete("/{recipient_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_recipient(
    recipient_id: UUID,
    current_user: CurrentUser = Depends(get_current_user),
    session: AsyncSession = Depends(get_session),
) -> None:
    recipient = await session.get(Recipient, recipient_id)
    if recipient is None or recipient.owner_id != current_user.user_id:
        raise HTTPException(status_code=404, detail="Recipient not found")
    await session.delete(recipient)
    await session.commit()
