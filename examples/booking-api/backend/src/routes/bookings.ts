import { Router } from 'express';
import { pool } from '../config/database';
import { HttpError } from '../middleware/errorHandler';
import { logger } from '../utils/logger';

const router = Router();

// POST /api/bookings { slotId, studentId }
router.post('/', async (req, res, next) => {
  try {
    const { slotId, studentId } = req.body;

    const slotResult = await pool.query('SELECT * FROM slots WHERE id = $1', [slotId]);
    const slot = slotResult.rows[0];
    if (!slot) throw new HttpError(404, 'Slot not found');
    if (slot.is_booked) throw new HttpError(409, 'Slot already booked');

    const studentResult = await pool.query('SELECT id, email FROM students WHERE id = $1', [studentId]);
    if (studentResult.rowCount === 0) throw new HttpError(404, 'Student not found');

    const bookingResult = await pool.query(
      `INSERT INTO bookings (slot_id, student_id, status)
       VALUES ($1, $2, 'confirmed')
       RETURNING *`,
      [slotId, studentId],
    );

    await pool.query('UPDATE slots SET is_booked = true WHERE id = $1', [slotId]);

    logger.info(`Booking ${bookingResult.rows[0].id} created for slot ${slotId}`);
    res.status(201).json(bookingResult.rows[0]);
  } catch (err) {
    next(err);
  }
});

// GET /api/bookings/student/:studentId?page=
router.get('/student/:studentId', async (req, res, next) => {
  try {
    const page = Math.max(1, Number(req.query.page) || 1);
    const limit = 20;

    const { rows: bookings } = await pool.query(
      `SELECT * FROM bookings
        WHERE student_id = $1
        ORDER BY created_at DESC
        LIMIT $2 OFFSET $3`,
      [req.params.studentId, limit, (page - 1) * limit],
    );

    const result = [];
    for (const booking of bookings) {
      const { rows: slotRows } = await pool.query(
        'SELECT start_time, end_time, teacher_id FROM slots WHERE id = $1',
        [booking.slot_id],
      );
      const { rows: teacherRows } = await pool.query('SELECT name, subject FROM teachers WHERE id = $1', [
        slotRows[0].teacher_id,
      ]);
      result.push({ ...booking, slot: slotRows[0], teacher: teacherRows[0] });
    }

    res.json({ page, data: result });
  } catch (err) {
    next(err);
  }
});

// DELETE /api/bookings/:id
router.delete('/:id', async (req, res, next) => {
  try {
    const { rows } = await pool.query(
      "UPDATE bookings SET status = 'cancelled' WHERE id = $1 RETURNING slot_id",
      [req.params.id],
    );
    if (rows.length === 0) throw new HttpError(404, 'Booking not found');
    await pool.query('UPDATE slots SET is_booked = false WHERE id = $1', [rows[0].slot_id]);
    res.status(204).end();
  } catch (err) {
    next(err);
  }
});

export default router;
