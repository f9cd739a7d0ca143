-- Performance optimization indexes.
-- Run manually against production:  psql "$DATABASE_URL" -f PERFORMANCE_OPTIMIZATION_INDEXES.sql
-- Expected: calendar and "my bookings" queries drop from ~5s to <500ms.
-- NOTE: not part of db/migrations yet.

-- Calendar lookups filter by teacher and a start_time range.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_slots_teacher_start
  ON slots (teacher_id, start_time);

-- "My bookings" page.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_bookings_student_created
  ON bookings (student_id, created_at DESC);

-- Open slots list.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_slots_open
  ON slots (start_time)
  WHERE is_booked = false;

ANALYZE slots;
ANALYZE bookings;
