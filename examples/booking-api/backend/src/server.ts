import express from 'express';
import cors from 'cors';
import helmet from 'helmet';
import rateLimit from 'express-rate-limit';
import dotenv from 'dotenv';
import { pool } from './config/database';
import teachersRouter from './routes/teachers';
import slotsRouter from './routes/slots';
import bookingsRouter from './routes/bookings';
import { errorHandler, requestLogger } from './middleware/errorHandler';
import { logger } from './utils/logger';

dotenv.config();

const app = express();
const PORT = Number(process.env.PORT) || 5000;

app.use(helmet());
app.use(cors({ origin: process.env.CORS_ORIGIN || '*' }));
app.use(express.json());
app.use(requestLogger);

// 100 requests per 15 minutes per IP, counted in this process's memory.
const apiLimiter = rateLimit({
  windowMs: 15 * 60 * 1000,
  max: 100,
  standardHeaders: true,
  legacyHeaders: false,
  message: { error: 'Too many requests, please try again later.' },
});
app.use('/api', apiLimiter);

app.get('/health', async (_req, res) => {
  try {
    await pool.query('SELECT 1');
    res.json({ status: 'ok' });
  } catch (err) {
    res.status(503).json({ status: 'db_unavailable' });
  }
});

app.use('/api/teachers', teachersRouter);
app.use('/api/slots', slotsRouter);
app.use('/api/bookings', bookingsRouter);

app.use(errorHandler);

app.listen(PORT, () => {
  logger.info(`Booking API listening on port ${PORT}`);
});

export default app;
