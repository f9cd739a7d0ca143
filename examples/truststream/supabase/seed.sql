-- Local development seed data. Runs after migrations on `supabase db reset`.
insert into auth.users (id, email, raw_user_meta_data) values
  ('00000000-0000-0000-0000-000000000001', 'ada@example.com', '{"username": "ada"}'),
  ('00000000-0000-0000-0000-000000000002', 'grace@example.com', '{"username": "grace"}');

insert into public.communities (slug, name, description, created_by) values
  ('general', 'General', 'Everything else', '00000000-0000-0000-0000-000000000001'),
  ('science', 'Science', 'Peer-reviewed or it did not happen', '00000000-0000-0000-0000-000000000002');
