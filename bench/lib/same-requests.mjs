// Memory compared at the same work: every server gets exactly the same requests before its workers are measured.
// The timed rounds cannot give that: a server that answers more requests in its 10 s also keeps more of what the
// app keeps per request (the bench app's array session store keeps each `/` session in its worker for good).
import { Agent, request } from 'node:http';

/** Sends `count` GETs of `url` over `concurrency` keep-alive connections; resolves with the statuses other than 200. */
export async function sameRequests(url, count, concurrency = 8) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const failures = [];
  let sent = 0;
  const one = () =>
    new Promise((resolve) => {
      const req = request(url, { agent }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode !== 200) failures.push(response.statusCode);
          resolve();
        });
      });
      req.on('error', (error) => {
        failures.push(error.message);
        resolve();
      });
      req.end();
    });
  const lane = async () => {
    while (sent < count) {
      sent++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  agent.destroy();
  return failures;
}
