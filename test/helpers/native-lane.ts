import { RawConnection, type RawResponse } from './raw-http.js';

/**
 * A keep-alive connection whose first request (`first`) Node read and PHP answered, so that the native lane reads its
 * second, `path`, sent once the connection is lent; resolves a moment later, with PHP running it.
 */
export async function laneRequestRunning(
  port: number,
  path: string,
  first = '/pid',
): Promise<{ connection: RawConnection; firstAnswer: RawResponse }> {
  const connection = await RawConnection.open(port);
  connection.get([first]);
  const firstAnswer = await connection.read({ timeoutMs: 15_000 });
  if (firstAnswer.statusLine !== 'HTTP/1.1 200 OK') throw new Error(`${first}: ${firstAnswer.statusLine}`);
  // Node lends the connection once it has finished its record of the answer, an event-loop turn later.
  await new Promise((resolve) => setTimeout(resolve, 50));
  connection.get([path]);
  await new Promise((resolve) => setTimeout(resolve, 300)); // PHP has taken it
  return { connection, firstAnswer };
}
