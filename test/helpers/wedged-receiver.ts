/**
 * What a wedged NSCA receiver looks like from the client: it accepts, sends the 132-byte
 * greeting, then reads `readPackets` packets (0: none) and stops reading, and never closes.
 * Listens on 127.0.0.1 (a given port, so a real nsca can take its place afterwards).
 */
import { createServer, type Server, type Socket } from 'node:net';

const INIT_PACKET_BYTES = 132;
const DATA_PACKET_BYTES = 4304;

export interface WedgedReceiver {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Bytes it read, over all connections. */
  bytesRead(): number;
  /** Stops listening and drops every connection (as a receiver being replaced would). */
  stop(): Promise<void>;
}

export async function startWedgedReceiver(
  options: { port?: number; readPackets?: number } = {},
): Promise<WedgedReceiver> {
  const readPackets = options.readPackets ?? 0;
  const sockets = new Set<Socket>();
  let accepted = 0;
  let read = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(Buffer.alloc(INIT_PACKET_BYTES));
    if (readPackets === 0) {
      socket.pause();
      return;
    }
    let taken = 0;
    socket.on('data', (chunk: Buffer) => {
      taken += chunk.length;
      read += chunk.length;
      if (taken >= readPackets * DATA_PACKET_BYTES) socket.pause();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the wedged receiver has no port');
  return {
    port: address.port,
    connections: () => accepted,
    bytesRead: () => read,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
