-- Posts and the interactions on them.

create table public.content (
  id uuid primary key default gen_random_uuid(),
  author_id uuid not null references public.profiles (id) on delete cascade,
  community_id uuid not null references public.communities (id) on delete cascade,
  title text not null,
  body text not null default '',
  cover_image_url text,
  is_published boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index idx_content_author_published on public.content (author_id, is_published);
create index idx_content_community_published on public.content (community_id, is_published);
create index idx_content_created_at on public.content (created_at desc);

create table public.interactions (
  id uuid primary key default gen_random_uuid(),
  content_id uuid not null references public.content (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null check (kind in ('like', 'share', 'flag')),
  created_at timestamptz not null default now()
);

create index idx_interactions_user_created on public.interactions (user_id, created_at desc);
create index idx_interactions_content on public.interactions (content_id);

-- Feed used by the community page when it needs interaction counts.
create or replace function public.get_community_feed(p_community_id uuid)
returns table (
  id uuid,
  title text,
  created_at timestamptz,
  username text,
  avatar_url text,
  interaction_count bigint
)
language sql
stable
as $$
  select
    content.id,
    content.title,
    content.created_at,
    profiles.username,
    profiles.avatar_url,
    count(interactions.id) as interaction_count
  from content
  join profiles on content.author_id = profiles.id
  left join interactions on content.id = interactions.content_id
  where content.is_published = true
    and content.community_id = p_community_id
  group by content.id, profiles.username, profiles.avatar_url
  order by content.created_at desc
  limit 50;
$$;

create or replace function public.get_trending_content(p_limit integer default 20)
returns table (id uuid, title text, community_id uuid, interaction_count bigint)
language sql
stable
security definer set search_path = public
as $$
  select c.id, c.title, c.community_id, count(i.id) as interaction_count
  from content c
  left join interactions i on i.content_id = c.id and i.created_at > now() - interval '24 hours'
  where c.is_published
  group by c.id
  order by interaction_count desc, c.created_at desc
  limit p_limit;
$$;
