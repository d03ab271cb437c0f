import type { Redis } from 'ioredis';
import { APPLIED_KEY, PRUNE_KEY, tableKey } from './cluster-redis.js';

/** Fields one script call looks at: Redis is never busy with pruning for more than a fraction of a millisecond. */
const STEP_FIELDS = 200;

// One step through the hash KEYS[1] (HSCAN from cursor ARGV[1]), forgetting what is older than ARGV[2] ms by Redis's
// clock. A table hash ('table'): a deleted key's state ('D' + the delete's stamp, then the row's only field) and a
// write-back's mark ('r'). The applied hash ('applied'): an origin's '<seq> <ms>'; an entry without a time (written
// before entries had one) gets the current time. Returns the next cursor and how many deleted keys or origins it forgot.
const PRUNE_STEP = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local before = now - tonumber(ARGV[2])
local scan = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[3])
local fields, removed = scan[2], 0
for i = 1, #fields, 2 do
  local field, value, ms, counted = fields[i], fields[i + 1], nil, true
  if ARGV[4] == 'applied' then
    ms = tonumber(string.match(value, ' (%d+)$') or '')
    if not ms then redis.call('HSET', KEYS[1], field, value .. ' ' .. now) end
  else
    local row = 1 + string.byte(field, 1)
    if #field == row and string.sub(value, 1, 1) == 'D' then
      ms = tonumber(string.sub(value, 2, 13), 16)
    elseif #field == row + 1 and string.sub(field, -1) == 'r' then
      ms, counted = tonumber(string.sub(value, 1, 12), 16) or 0, false
    end
  end
  if ms and ms < before then
    redis.call('HDEL', KEYS[1], field)
    if counted then removed = removed + 1 end
  end
end
return {scan[1], removed}`;

/** A prune round every quarter of the horizon (1 s to 1 h): a tombstone lives at most 1.25 × forget_after. */
export function pruneRoundMs(forgetAfterMs: number): number {
  return Math.min(Math.max(forgetAfterMs / 4, 1000), 3_600_000);
}

/** Whether this node prunes this round: the first to ask does (rounds of every node overlap; pruning twice is harmless). */
export async function takePruneTurn(redis: Redis, origin: string, roundMs: number): Promise<boolean> {
  return (await redis.set(PRUNE_KEY, origin, 'PX', Math.round(roundMs), 'NX')) === 'OK';
}

/**
 * Forgets, in the cluster's copy, deleted keys whose delete is older than `forgetAfterMs` and the applied seq of
 * origins (node starts) that sent nothing for that long. Many short script calls, one after another.
 */
export async function prune(
  redis: Redis,
  tables: string[],
  forgetAfterMs: number,
): Promise<{ keys: number; origins: number }> {
  let keys = 0;
  for (const table of tables) keys += await pruneHash(redis, tableKey(table), 'table', forgetAfterMs);
  return { keys, origins: await pruneHash(redis, APPLIED_KEY, 'applied', forgetAfterMs) };
}

async function pruneHash(redis: Redis, key: string, kind: 'table' | 'applied', forgetAfterMs: number): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, count] = (await redis.eval(
      PRUNE_STEP,
      1,
      key,
      cursor,
      String(forgetAfterMs),
      String(STEP_FIELDS),
      kind,
    )) as [string, number];
    cursor = next;
    removed += count;
  } while (cursor !== '0');
  return removed;
}
