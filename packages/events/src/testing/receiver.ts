import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'ok' | 'fail' | 'stall' | 'reject';

export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/**
 * A real webhook receiver on loopback for tests: answers 200 (`ok`), 503 (`fail`), never
 * (`stall`) or 400 (`reject`), and keeps every request it answered 200 to.
 */
export class TestReceiver {
  mode: ReceiverMode = 'ok';
  readonly received: Received[] = [];
  attempts = 0;
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  async listen(port = 0): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.attempts += 1;
        if (this.mode === 'stall') return;
        if (this.mode === 'fail') return void res.writeHead(503).end();
        if (this.mode === 'reject') return void res.writeHead(400).end();
        this.received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Event ids in arrival order (array bodies flattened). */
  eventIds(): string[] {
    return this.received.flatMap(({ body }) => {
      const parsed = JSON.parse(body) as { event_id: string } | Array<{ event_id: string }>;
      return (Array.isArray(parsed) ? parsed : [parsed]).map((e) => e.event_id);
    });
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
