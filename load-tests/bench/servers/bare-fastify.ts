/** The HTTP floor: a bare Fastify hello-world route, nothing registered. Prints `listening <url>`. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${url}`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
