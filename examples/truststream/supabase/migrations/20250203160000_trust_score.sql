-- Trust score maintenance and view counts.

alter table public.content add column view_count integer not null default 0;

create index idx_profiles_trust_score on public.profiles (trust_score);

create or replace function public.update_author_trust_score()
returns trigger
language plpgsql
as $$
declare
  v_author uuid;
  v_score numeric(5, 2);
begin
  select author_id into v_author from public.content where id = new.content_id;

  select least(100, 50 + count(*) filter (where i.kind = 'like') * 0.1
                       - count(*) filter (where i.kind = 'flag') * 2)
    into v_score
    from public.interactions i
    join public.content c on c.id = i.content_id
   where c.author_id = v_author;

  update public.profiles
     set trust_score = greatest(0, v_score),
         updated_at = now()
   where id = v_author;

  return new;
end;
$$;

create trigger trg_interactions_trust_score
  after insert on public.interactions
  for each row execute function public.update_author_trust_score();

create or replace function public.touch_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger trg_content_updated_at
  before update on public.content
  for each row execute function public.touch_updated_at();

create or replace function public.bump_member_count()
returns trigger
language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    update public.communities set member_count = member_count + 1 where id = new.community_id;
  elsif tg_op = 'DELETE' then
    update public.communities set member_count = member_count - 1 where id = old.community_id;
  end if;
  return null;
end;
$$;

create trigger trg_community_members_count
  after insert or delete on public.community_members
  for each row execute function public.bump_member_count();
