"""What a Supabase project has before its first migration, as stubs for the shadow database.

Roles (anon, authenticated, service_role and the platform's admin roles, granted to the migrator
WITH ADMIN OPTION), the `auth` schema with
`auth.users`/`auth.identities`/`auth.sessions` and `auth.uid()`, `auth.jwt()`, `auth.role()`,
`auth.email()`, the `storage` schema with `storage.buckets`/`storage.objects` and its path helpers,
`extensions` with uuid-ossp and pgcrypto (when the server has them) on the database's search_path,
and the `supabase_realtime` publication. Column lists follow Supabase's own schema closely enough
for triggers and policies that read `raw_user_meta_data`, `email` or `bucket_id`; they are stubs,
not the real thing, and everything created here is left out of the comparison with the static model.
"""

from __future__ import annotations

ROLES = ("anon", "authenticated", "service_role", "authenticator", "supabase_admin", "supabase_auth_admin",
         "supabase_storage_admin", "dashboard_user", "supabase_realtime_admin", "pgbouncer")

def cluster(migrator: str) -> list[str]:
    """Cluster-wide objects, run by the superuser: the roles, which the migrator may then grant."""
    out = []
    for r in ROLES:
        out.append(f"DO $$ BEGIN CREATE ROLE {r} NOLOGIN{' BYPASSRLS' if r == 'service_role' else ''}; "
                   f"EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        out.append(f'GRANT {r} TO "{migrator}" WITH ADMIN OPTION')
    return out


# Per database, run by the migrator (the database's owner), so that it owns what a Supabase
# project's `postgres` role can alter: auth.users (triggers), the realtime publication.
DATABASE = [
    "CREATE SCHEMA IF NOT EXISTS extensions",
    "CREATE SCHEMA IF NOT EXISTS auth",
    "CREATE SCHEMA IF NOT EXISTS storage",
    "CREATE SCHEMA IF NOT EXISTS realtime",
    "CREATE SCHEMA IF NOT EXISTS graphql_public",
    "GRANT USAGE ON SCHEMA public, extensions, auth, storage TO anon, authenticated, service_role",
    """CREATE TABLE auth.users (
      instance_id uuid, id uuid PRIMARY KEY, aud varchar(255), role varchar(255), email varchar(255),
      encrypted_password varchar(255), email_confirmed_at timestamptz, invited_at timestamptz,
      confirmation_token varchar(255), confirmation_sent_at timestamptz, recovery_token varchar(255),
      recovery_sent_at timestamptz, email_change_token_new varchar(255), email_change varchar(255),
      email_change_sent_at timestamptz, last_sign_in_at timestamptz, raw_app_meta_data jsonb,
      raw_user_meta_data jsonb, is_super_admin boolean, created_at timestamptz, updated_at timestamptz,
      phone text UNIQUE, phone_confirmed_at timestamptz, phone_change text DEFAULT '',
      phone_change_token varchar(255) DEFAULT '', phone_change_sent_at timestamptz, confirmed_at timestamptz,
      email_change_token_current varchar(255) DEFAULT '', email_change_confirm_status smallint DEFAULT 0,
      banned_until timestamptz, reauthentication_token varchar(255) DEFAULT '',
      reauthentication_sent_at timestamptz, is_sso_user boolean NOT NULL DEFAULT false, deleted_at timestamptz,
      is_anonymous boolean NOT NULL DEFAULT false)""",
    """CREATE TABLE auth.identities (
      provider_id text NOT NULL, user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
      identity_data jsonb NOT NULL, provider text NOT NULL, last_sign_in_at timestamptz, created_at timestamptz,
      updated_at timestamptz, email text, id uuid PRIMARY KEY DEFAULT gen_random_uuid())""",
    """CREATE TABLE auth.sessions (
      id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
      created_at timestamptz, updated_at timestamptz, not_after timestamptz, user_agent text, ip inet)""",
    """CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
      SELECT nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                             current_setting('request.jwt.claims', true)::jsonb ->> 'sub'), '')::uuid $$""",
    """CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
      SELECT nullif(coalesce(current_setting('request.jwt.claim.role', true),
                             current_setting('request.jwt.claims', true)::jsonb ->> 'role'), '')::text $$""",
    """CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
      SELECT nullif(coalesce(current_setting('request.jwt.claim.email', true),
                             current_setting('request.jwt.claims', true)::jsonb ->> 'email'), '')::text $$""",
    """CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                      nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$""",
    """CREATE TABLE storage.buckets (
      id text PRIMARY KEY, name text NOT NULL UNIQUE, owner uuid, owner_id text, public boolean DEFAULT false,
      avif_autodetection boolean DEFAULT false, file_size_limit bigint, allowed_mime_types text[],
      created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now())""",
    """CREATE TABLE storage.objects (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), bucket_id text REFERENCES storage.buckets (id), name text,
      owner uuid, owner_id text, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
      last_accessed_at timestamptz DEFAULT now(), metadata jsonb, path_tokens text[], version text,
      user_metadata jsonb)""",
    """CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
      SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $$""",
    """CREATE FUNCTION storage.filename(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)] $$""",
    """CREATE FUNCTION storage.extension(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
      SELECT reverse(split_part(reverse(name), '.', 1)) $$""",
    "ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY",
    "CREATE PUBLICATION supabase_realtime",
]

# Extensions Supabase has in every project, created (by the superuser) in `extensions` when the
# server ships them.
EXTENSIONS = ("uuid-ossp", "pgcrypto", "pg_stat_statements")
