-- =============================================================================
-- Time Capsules: consolidated schema
-- Squashed from the earlier incremental migrations. Safe to run on an empty database.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- Users (one row per Supabase auth user)
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS public.users (
    id UUID PRIMARY KEY REFERENCES auth.users(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL UNIQUE,
    username VARCHAR(50) NOT NULL UNIQUE,
    display_name VARCHAR(100),
    avatar_url TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_users_created_at ON public.users (created_at DESC);

-- -----------------------------------------------------------------------------
-- Capsules
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS public.capsules (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id UUID NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    status VARCHAR(20) NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'sealed', 'delivered')),
    unlock_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Owner's capsule list, newest first.
CREATE INDEX IF NOT EXISTS idx_capsules_owner_created ON public.capsules (owner_id, created_at DESC);
-- Delivery job: sealed capsules whose unlock time has passed.
CREATE INDEX IF NOT EXISTS idx_capsules_sealed_unlock ON public.capsules (unlock_at)
    WHERE status = 'sealed';
CREATE INDEX IF NOT EXISTS idx_capsules_status ON public.capsules (status);

-- -----------------------------------------------------------------------------
-- Recipients
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS public.recipients (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id UUID NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
    capsule_id UUID REFERENCES public.capsules(id) ON DELETE CASCADE,
    recipient_user_id UUID REFERENCES public.users(id) ON DELETE SET NULL,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(100),
    status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'notified', 'opened')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX IF NOT EXISTS idx_recipients_owner_id ON public.recipients (owner_id);
CREATE INDEX IF NOT EXISTS idx_recipients_owner_created ON public.recipients (owner_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_recipients_recipient_user ON public.recipients (recipient_user_id);
CREATE INDEX IF NOT EXISTS idx_recipients_email ON public.recipients (email);
CREATE INDEX IF NOT EXISTS idx_recipients_pending ON public.recipients (owner_id, created_at DESC)
    WHERE status = 'pending';

-- -----------------------------------------------------------------------------
-- Connections (directed: user_id sent the request to connected_user_id)
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS public.connections (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
    connected_user_id UUID NOT NULL REFERENCES public.users(id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'accepted', 'blocked')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK (user_id <> connected_user_id)
);

CREATE INDEX IF NOT EXISTS idx_connections_user_connected ON public.connections (user_id, connected_user_id);
CREATE INDEX IF NOT EXISTS idx_connections_user_status ON public.connections (user_id, status);
CREATE INDEX IF NOT EXISTS idx_connections_pending ON public.connections (user_id, created_at DESC)
    WHERE status = 'pending';

-- -----------------------------------------------------------------------------
-- Row level security (the API connects as the table owner; these protect direct PostgREST access)
-- -----------------------------------------------------------------------------
ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.capsules ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.recipients ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.connections ENABLE ROW LEVEL SECURITY;

CREATE POLICY users_select_self ON public.users
    FOR SELECT USING ((SELECT auth.uid()) = id);

CREATE POLICY capsules_owner_all ON public.capsules
    FOR ALL USING ((SELECT auth.uid()) = owner_id);

CREATE POLICY recipients_owner_all ON public.recipients
    FOR ALL USING ((SELECT auth.uid()) = owner_id);

CREATE POLICY connections_participants ON public.connections
    FOR SELECT USING ((SELECT auth.uid()) IN (user_id, connected_user_id));

-- -----------------------------------------------------------------------------
-- Refresh planner statistics
-- -----------------------------------------------------------------------------
ANALYZE public.users;
ANALYZE public.capsules;
ANALYZE public.recipients;
ANALYZE public.connections;
