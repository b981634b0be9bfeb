import net from 'node:net';

/**
 * Whether the Prometheus port can be bound. The Temporal runtime binds it once per process and fails
 * the whole worker when it is taken, so a second worker on the same host checks first and runs
 * without metrics instead (see README "Scaling out"). A race with another process between this probe
 * and the runtime's bind is possible but harmless: the later one then fails at start and says why.
 */
export function isPortFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
