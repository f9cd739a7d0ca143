-- Row level security for every public table.

alter table public.profiles enable row level security;
alter table public.communities enable row level security;
alter table public.community_members enable row level security;
alter table public.content enable row level security;
alter table public.interactions enable row level security;
alter table public.notifications enable row level security;

create policy "Profiles are viewable by everyone"
  on public.profiles for select
  using (true);

create policy "Users can update their own profile"
  on public.profiles for update
  using (auth.uid() = id);

create policy "Communities are viewable by everyone"
  on public.communities for select
  using (true);

create policy "Signed-in users can create communities"
  on public.communities for insert
  to authenticated
  with check (auth.uid() = created_by);

create policy "Memberships are visible to signed-in users"
  on public.community_members for select
  to authenticated
  using (true);

create policy "Users can join communities"
  on public.community_members for insert
  with check (auth.uid() = user_id);

create policy "Published content is public"
  on public.content for select
  using (is_published = true or auth.uid() = author_id);

create policy "Authors can insert content"
  on public.content for insert
  with check (auth.uid() = author_id);

create policy "Authors can update their content"
  on public.content for update
  using (auth.uid() = author_id);

create policy "Authors can delete their content"
  on public.content for delete
  using (auth.uid() = author_id);

create policy "Interactions are public"
  on public.interactions for select
  using (true);

create policy "Users create their own interactions"
  on public.interactions for insert
  with check (auth.uid() = user_id);

create policy "Users read their notifications"
  on public.notifications for select
  using (auth.uid() = user_id);

create policy "Users update their notifications"
  on public.notifications for update
  using (auth.uid() = user_id);
