create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (id) on delete cascade,
  content_id uuid references public.content (id) on delete set null,
  kind text not null check (kind in ('like', 'comment', 'mention', 'community')),
  message text not null,
  read_at timestamptz,
  created_at timestamptz not null default now()
);

create index idx_notifications_user_created on public.notifications (user_id, created_at desc);

-- Realtime: clients subscribe to new notifications and content changes.
alter publication supabase_realtime add table public.notifications;
alter publication supabase_realtime add table public.content;
