import http from 'node:http';
import mongoose from 'mongoose';

/**
 * The naive design `npm run bench:orders` compares against, written as the textbook writes it:
 * one process answers `POST /orders` by reading each product, checking its stock, and only then
 * decrementing it with a separate write (`$inc`), then recording the order. No reservation, no
 * idempotency, no authentication, no saga. Each read and each write is a round trip to the
 * database, and while one request waits between its check and its write, another request for the
 * same product reads the same stock and passes the same check: under concurrency it oversells.
 *
 * Started by the benchmark as its own process, so its CPU is measured apart from the load
 * generator's: `node naive-order-service.js <port> <mongodb uri> <database>`. It exits when its
 * stdin closes (the benchmark went away) or on SIGTERM.
 */
interface NaiveProduct {
  _id: mongoose.Types.ObjectId;
  stock: number;
}

interface NaiveOrder {
  items: { productId: mongoose.Types.ObjectId; quantity: number }[];
  createdAt: Date;
}

const BODY_LIMIT_BYTES = 100 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseLines(text: string): NaiveOrder['items'] {
  const body = JSON.parse(text) as { items?: { productId?: unknown; quantity?: unknown }[] };
  if (!Array.isArray(body.items) || body.items.length === 0) throw new TypeError('items: expected lines');
  return body.items.map((line) => {
    if (typeof line.productId !== 'string' || !mongoose.isObjectIdOrHexString(line.productId))
      throw new TypeError('productId: expected an ObjectId');
    if (typeof line.quantity !== 'number' || !Number.isInteger(line.quantity) || line.quantity < 1)
      throw new TypeError('quantity: expected a positive integer');
    return { productId: new mongoose.Types.ObjectId(line.productId), quantity: line.quantity };
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  const [port, uri, dbName] = process.argv.slice(2);
  if (port === undefined || uri === undefined || dbName === undefined)
    throw new Error('usage: naive-order-service <port> <mongodb uri> <database>');
  const connection = await mongoose.createConnection(uri, { dbName }).asPromise();
  const db = connection.db;
  if (db === undefined) throw new Error('no database handle after connecting');
  const products = db.collection<NaiveProduct>('products');
  const orders = db.collection<NaiveOrder>('orders');

  const placeOrder = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let lines: NaiveOrder['items'];
    try {
      lines = parseLines(await readBody(req));
    } catch (error) {
      send(res, 400, { code: 'VALIDATION', detail: String(error) });
      return;
    }
    // The textbook: check every line against the stock just read...
    for (const line of lines) {
      const product = await products.findOne({ _id: line.productId });
      if (product === null || product.stock < line.quantity) {
        send(res, 409, { code: 'STOCK.INSUFFICIENT' });
        return;
      }
    }
    // ...then take it, in separate writes, trusting that the stock is still what was read.
    for (const line of lines) await products.updateOne({ _id: line.productId }, { $inc: { stock: -line.quantity } });
    const { insertedId } = await orders.insertOne({ items: lines, createdAt: new Date() });
    send(res, 201, { id: insertedId.toHexString() });
  };

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/orders') {
      send(res, 404, { code: 'NOT_FOUND' });
      return;
    }
    placeOrder(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { code: 'INTERNAL', detail: String(error) });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(Number(port), '127.0.0.1', resolve));

  const stop = () => {
    server.close();
    server.closeAllConnections();
    void connection.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
