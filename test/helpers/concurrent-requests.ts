import { request } from 'node:http';

/**
 * Status codes of `count` concurrent GETs of `path`, each on a connection of its own (a reset is 'reset');
 * `onAllConnected` runs once every connection is open.
 */
export function concurrentGets(
  url: string,
  path: string,
  count: number,
  onAllConnected: () => void,
): Promise<Array<number | 'reset'>> {
  let connected = 0;
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<number | 'reset'>((resolve) => {
          const req = request(`${url}${path}`, { agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve('reset'));
          });
          req.on('error', () => resolve('reset'));
          req.on('socket', (socket) => socket.once('connect', () => ++connected === count && onAllConnected()));
          req.end();
        }),
    ),
  );
}
