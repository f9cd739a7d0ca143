import { Router } from 'express';
import { pool } from '../config/database';
import { HttpError } from '../middleware/errorHandler';

const router = Router();

// GET /api/teachers?search=&page=&limit=
router.get('/', async (req, res, next) => {
  try {
    const page = Math.max(1, Number(req.query.page) || 1);
    const limit = Math.min(100, Number(req.query.limit) || 20);
    const offset = (page - 1) * limit;
    const search = typeof req.query.search === 'string' ? req.query.search.trim() : '';

    if (search) {
      const { rows } = await pool.query(
        `SELECT id, name, subject, hourly_rate, avatar_url
           FROM teachers
          WHERE name ILIKE '%' || $1 || '%' OR subject ILIKE '%' || $1 || '%'
          ORDER BY name
          LIMIT $2 OFFSET $3`,
        [search, limit, offset],
      );
      return res.json({ page, data: rows });
    }

    const { rows } = await pool.query(
      'SELECT id, name, subject, hourly_rate, avatar_url FROM teachers ORDER BY created_at DESC LIMIT $1 OFFSET $2',
      [limit, offset],
    );
    const countResult = await pool.query('SELECT COUNT(*)::int AS total FROM teachers');
    res.json({ page, total: countResult.rows[0].total, data: rows });
  } catch (err) {
    next(err);
  }
});

// GET /api/teachers/:id - profile page: teacher, rating, reviews, next slots
router.get('/:id', async (req, res, next) => {
  try {
    const { id } = req.params;

    const teacherResult = await pool.query('SELECT * FROM teachers WHERE id = $1', [id]);
    if (teacherResult.rowCount === 0) throw new HttpError(404, 'Teacher not found');

    const ratingResult = await pool.query(
      'SELECT AVG(rating)::numeric(3,2) AS average, COUNT(*)::int AS count FROM reviews WHERE teacher_id = $1',
      [id],
    );

    const reviewsResult = await pool.query(
      `SELECT r.id, r.rating, r.comment, r.created_at, s.name AS student_name
         FROM reviews r
         JOIN students s ON s.id = r.student_id
        WHERE r.teacher_id = $1
        ORDER BY r.created_at DESC
        LIMIT 10`,
      [id],
    );

    const slotsResult = await pool.query(
      `SELECT id, start_time, end_time
         FROM slots
        WHERE teacher_id = $1 AND start_time > NOW() AND is_booked = false
        ORDER BY start_time
        LIMIT 20`,
      [id],
    );

    res.json({
      ...teacherResult.rows[0],
      rating: ratingResult.rows[0],
      reviews: reviewsResult.rows,
      upcomingSlots: slotsResult.rows,
    });
  } catch (err) {
    next(err);
  }
});

// POST /api/teachers/:id/reviews
router.post('/:id/reviews', async (req, res, next) => {
  try {
    const { studentId, bookingId, rating, comment } = req.body;
    const { rows } = await pool.query(
      `INSERT INTO reviews (teacher_id, student_id, booking_id, rating, comment)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING *`,
      [req.params.id, studentId, bookingId, rating, comment ?? null],
    );
    res.status(201).json(rows[0]);
  } catch (err) {
    next(err);
  }
});

export default router;
