-- 003: indexes for the teacher calendar and booking lookups

CREATE INDEX IF NOT EXISTS idx_slots_teacher_id ON slots(teacher_id);
CREATE INDEX IF NOT EXISTS idx_slots_start_time ON slots(start_time);
CREATE INDEX IF NOT EXISTS idx_bookings_slot_id ON bookings(slot_id);
CREATE INDEX IF NOT EXISTS idx_bookings_status ON bookings(status);
