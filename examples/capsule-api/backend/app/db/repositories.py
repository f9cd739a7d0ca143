from typing import Sequence
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db.models import Capsule, Connection, Recipient, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def search(self, query: str, limit: int = 20) -> Sequence[User]:
        pattern = f"%{query}%"
        stmt = (
            select(User)
            .where(User.username.ilike(pattern) | User.display_name.ilike(pattern))
            .order_by(User.username)
            .limit(limit * 2)  # Get more to filter by email/username later
        )
        result = await self.session.execute(stmt)
        return result.scalars().all()


class CapsuleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_with_recipients(self, capsule_id: UUID) -> Capsule | None:
        stmt = (
            select(Capsule)
            .options(selectinload(Capsule.recipients))
            .where(Capsule.id == capsule_id)
        )
        result = await self.session.execute(stmt)
        return result.scalar_one_or_none()

    async def list_for_owner(self, owner_id: UUID, skip: int = 0, limit: int = 20) -> list[dict]:
        result = await self.session.execute(
            text(
                "SELECT id, title, status, unlock_at, created_at "
                "FROM capsules WHERE owner_id = :owner_id ORDER BY created_at DESC "
                "OFFSET :skip LIMIT :limit"
            ),
            {"owner_id": owner_id, "skip": skip, "limit": limit},
        )
        return [dict(row) for row in result.mappings().all()]

    async def inbox(self, user_id: UUID, skip: int = 0, limit: int = 20) -> Sequence[Capsule]:
        stmt = (
            select(Capsule)
            .join(Recipient, Recipient.capsule_id == Capsule.id)
            .where(Recipient.recipient_user_id == user_id, Capsule.status == "delivered")
            .options(selectinload(Capsule.owner))
            .order_by(Capsule.unlock_at.desc())
            .offset(skip)
            .limit(limit)
        )
        result = await self.session.execute(stmt)
        return result.scalars().all()

    async def create(self, owner_id: UUID, title: str, body: str, unlock_at) -> Capsule:
        capsule = Capsule(owner_id=owner_id, title=title, body=body, unlock_at=unlock_at, status="sealed")
        self.session.add(capsule)
        await self.session.commit()
        await self.session.refresh(capsule)
        return capsule


class RecipientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_owner(self, owner_id: UUID, skip: int = 0, limit: int | None = None) -> Sequence[Recipient]:
        stmt = (
            select(Recipient)
            .where(Recipient.owner_id == owner_id)
            .options(selectinload(Recipient.recipient_user))
            .order_by(Recipient.created_at.desc())
            .offset(skip)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        result = await self.session.execute(stmt)
        return result.scalars().all()

    async def add(self, owner_id: UUID, email: str, name: str | None, capsule_id: UUID | None) -> Recipient:
        recipient = Recipient(owner_id=owner_id, email=email, name=name, capsule_id=capsule_id)
        self.session.add(recipient)
        await self.session.commit()
        await self.session.refresh(recipient)
        return recipient


class ConnectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def connected_user_ids(self, user_id: UUID) -> set[UUID]:
        # UNION ALL instead of OR so each side can use its own index.
        result = await self.session.execute(
            text(
                """
                SELECT connected_user_id AS other_id FROM connections
                 WHERE user_id = :user_id AND status = 'accepted'
                UNION ALL
                SELECT user_id AS other_id FROM connections
                 WHERE connected_user_id = :user_id AND status = 'accepted'
                """
            ),
            {"user_id": user_id},
        )
        return {row.other_id for row in result}

    async def pending_for(self, user_id: UUID, skip: int = 0, limit: int = 20) -> Sequence[Connection]:
        stmt = (
            select(Connection)
            .where(Connection.connected_user_id == user_id, Connection.status == "pending")
            .options(selectinload(Connection.user))
            .order_by(Connection.created_at.desc())
            .offset(skip)
            .limit(limit)
        )
        result = await self.session.execute(stmt)
        return result.scalars().all()
