/**
 * The naive baseline: a reservation as most first versions write it, one conditional UPDATE of the stock row
 * and one INSERT of the order per request, in a transaction on PostgreSQL, behind a bare Fastify route.
 * Every request takes the same row lock, so throughput is bounded by PostgreSQL's commit rate on one row.
 * Needs DATABASE_URL with the bench_stock and bench_orders tables (made by the bench). Prints `listening <url>`.
 */
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
});
const app = Fastify({ logger: false });

app.post<{ Params: { stockId: string }; Body: { userId: string; requestId: string } }>(
  '/api/naive/:stockId/reservations',
  async (req, reply) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const taken = await client.query(
        'UPDATE bench_stock SET "left" = "left" - 1 WHERE id = $1 AND "left" > 0',
        [Number(req.params.stockId)],
      );
      if (taken.rowCount === 0) {
        await client.query('ROLLBACK');
        return reply.status(409).send({ error: { code: 'SOLD_OUT', message: 'Sold out' } });
      }
      const order = await client.query<{ id: string }>(
        'INSERT INTO bench_orders (stock_id, user_id, request_id) VALUES ($1, $2, $3) RETURNING id',
        [Number(req.params.stockId), req.body.userId, req.body.requestId],
      );
      await client.query('COMMIT');
      return reply.status(201).send({ reservation: { id: order.rows[0]?.id } });
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  },
);

const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${url}`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
