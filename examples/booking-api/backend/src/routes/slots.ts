import { Router } from 'express';
import { pool } from '../config/database';
import { HttpError } from '../middleware/errorHandler';

const router = Router();

// GET /api/slots?teacherId=&from=&to=
// Availability calendar. Called on every calendar navigation, never cached.
router.get('/', async (req, res, next) => {
  try {
    const { teacherId, from, to } = req.query;
    if (!teacherId) throw new HttpError(400, 'teacherId is required');

    const rangeStart = from ? new Date(String(from)) : new Date();
    const rangeEnd = to ? new Date(String(to)) : new Date(rangeStart.getTime() + 7 * 24 * 60 * 60 * 1000);

    const { rows } = await pool.query(
      `SELECT * FROM slots
        WHERE teacher_id = $1
          AND start_time >= $2
          AND start_time < $3
        ORDER BY start_time`,
      [teacherId, rangeStart.toISOString(), rangeEnd.toISOString()],
    );
    res.json(rows);
  } catch (err) {
    next(err);
  }
});

// GET /api/slots/open?page= - all open slots across teachers
router.get('/open', async (req, res, next) => {
  try {
    const page = Math.max(1, Number(req.query.page) || 1);
    const pageSize = 50;
    const { rows } = await pool.query(
      `SELECT * FROM slots
        WHERE is_booked = false AND start_time > NOW()
        ORDER BY start_time
        LIMIT $1 OFFSET $2`,
      [pageSize, (page - 1) * pageSize],
    );
    res.json({ page, data: rows });
  } catch (err) {
    next(err);
  }
});

// POST /api/slots - teacher publishes availability
router.post('/', async (req, res, next) => {
  try {
    const { teacherId, slots } = req.body as {
      teacherId: string;
      slots: { startTime: string; endTime: string }[];
    };

    const created = [];
    for (const slot of slots) {
      const { rows } = await pool.query(
        'INSERT INTO slots (teacher_id, start_time, end_time) VALUES ($1, $2, $3) RETURNING *',
        [teacherId, slot.startTime, slot.endTime],
      );
      created.push(rows[0]);
    }
    res.status(201).json(created);
  } catch (err) {
    next(err);
  }
});

export default router;
