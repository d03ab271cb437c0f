-- ephpm cluster mode: applies table writes to the cluster's copy in Redis and appends the rows they leave to the
-- stream every node follows. Run by each node's supervisor for its batches of replicated writes
-- (src/runtime/cluster/cluster-node.ts) and by StrongTable.php for strong() writes. One script call is atomic, so
-- the copy and the stream never disagree. docs/ARCHITECTURE.md, "Cluster mode", explains the rules.
--
-- KEYS[1] the stream, KEYS[2] the schema hash, KEYS[3] the hash of what each origin had applied, KEYS[4] the
-- cluster's epoch (a random id, written once into an empty Redis), KEYS[5..] the table hashes the ops touch (named
-- <prefix>table:<name>; the script derives them from the stream's name).
-- ARGV[1] origin (node#boot), ARGV[2] node (a stamp's tie-break), ARGV[3] the stream's length bound,
-- ARGV[4] 'e:<epoch>' (replicated writes: each op carries its stamp and sequence number; refused unless the
-- cluster's epoch key holds <epoch>, or '*': a node writing its tables back into a Redis that lost them) or 's'
-- (strong: stamped here; refused while the epoch key is missing),
-- ARGV[5..] one op each, as netstrings ("3:abc"): kind (set | incr | incf | del | back), table, key, seq, stamp,
-- then set and back: column, value, column, value...; incr / incf: column, step; del: nothing.
--
-- 'back' is a row a node writes back after Redis lost the cluster's data (src/runtime/cluster/write-back.ts): it
-- is applied, every column, only to a row nothing but write-backs touched since (the row's 'r' field holds the
-- winning write-back's stamp: the newest write that node knew of the row, or ''), and only when its stamp is
-- greater; any other write of the row removes 'r'. It is idempotent, so not deduplicated by seq.
--
-- In a table hash, for a key K (L = one byte, K's length): L..K holds the row's state, 'L' (live) or 'D'
-- (deleted) followed by the stamp of its last delete; L..K..'v'..column a value as text; L..K..'s'..column the
-- stamp of the set that wrote it; L..K..'r' the stamp of the write-back that wrote the row (see 'back'). A stamp is 16 hex digits of hybrid logical clock, '@', the node id: later stamps
-- compare greater as strings. Returns, per op: the row's state before ('L', 'D' or '' for none), then the row it
-- leaves: 'L' and a value per column, or 'D'.

if redis.replicate_commands then redis.replicate_commands() end

local stream, schema, applied, epoch_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix = string.sub(stream, 1, #stream - #'stream')
local origin, node, bound, strong = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == 's'

-- Writes are decided against the cluster's copy only when it is the one the writer followed.
local epoch = redis.call('GET', epoch_key)
if strong and not epoch then
  error({err = 'EPHPM_CLUSTER_LOST Redis lost the cluster\'s data (restarted empty or flushed); the nodes are writing their tables back, try again in a moment'})
end
if not strong and ARGV[4] ~= 'e:*' and epoch ~= string.sub(ARGV[4], 3) then
  error({err = 'EPHPM_EPOCH this Redis is not the one the node followed'})
end

local function split(text)
  local list, i = {}, 1
  while i <= #text do
    local colon = string.find(text, ':', i, true)
    local n = tonumber(string.sub(text, i, colon - 1))
    list[#list + 1] = string.sub(text, colon + 1, colon + n)
    i = colon + n + 1
  end
  return list
end

local function join(list)
  local parts = {}
  for i, value in ipairs(list) do parts[i] = #value .. ':' .. value end
  return table.concat(parts)
end

local columns = {}
local function columns_of(name)
  if not columns[name] then
    local spec = redis.call('HGET', schema, name)
    if not spec then error({err = 'EPHPM_NO_SCHEMA table ' .. name .. ' has no schema in this Redis'}) end
    local triples, names = split(spec), {}
    for i = 1, #triples, 3 do names[#names + 1] = triples[i] end
    columns[name] = names
  end
  return columns[name]
end

-- The clock after `stamp` (16 hex digits): one more in its counter.
local function after(stamp)
  local ms, count = tonumber(string.sub(stamp, 1, 12), 16), tonumber(string.sub(stamp, 13, 16), 16) + 1
  if count == 65536 then ms, count = ms + 1, 0 end
  return string.format('%012x%04x', ms, count)
end

-- strong(): Redis's own time, or just after the newest stamp the row holds, so the write always takes effect.
local function strong_stamp(h, row, names, dead)
  local t = redis.call('TIME')
  local clock = string.format('%012x', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) .. '0000'
  local newest = dead
  for _, column in ipairs(names) do
    local s = redis.call('HGET', h, row .. 's' .. column)
    if s and s > newest then newest = s end
  end
  if newest ~= '' and string.sub(newest, 1, 16) >= clock then clock = after(string.sub(newest, 1, 16)) end
  return clock .. '@' .. node
end

local function apply(op)
  local kind, name, key, seq, stamp = op[1], op[2], op[3], op[4], op[5]
  local names = columns_of(name)
  local h, row = prefix .. 'table:' .. name, string.char(#key) .. key
  local state = redis.call('HGET', h, row) or ''
  local dead = string.sub(state, 2)
  if strong then stamp = strong_stamp(h, row, names, dead) end
  local live = string.sub(state, 1, 1) == 'L'
  if kind == 'back' then
    local mark = redis.call('HGET', h, row .. 'r')
    if state == '' or (mark and stamp > mark) then
      for i = 6, #op, 2 do
        redis.call('HSET', h, row .. 'v' .. op[i], op[i + 1])
        redis.call('HDEL', h, row .. 's' .. op[i])
      end
      redis.call('HSET', h, row, 'L', row .. 'r', stamp)
      live = true
    end
  elseif stamp > dead then
    redis.call('HDEL', h, row .. 'r')
    if kind == 'set' then
      for i = 6, #op, 2 do
        local written = redis.call('HGET', h, row .. 's' .. op[i]) or ''
        if stamp > written then redis.call('HSET', h, row .. 'v' .. op[i], op[i + 1], row .. 's' .. op[i], stamp) end
      end
      live = true
    elseif kind == 'incr' or kind == 'incf' then
      -- An increment counts unless a set made after it (by the clock) already replaced the value.
      local written = redis.call('HGET', h, row .. 's' .. op[6]) or ''
      if strong or stamp > written then
        local field = row .. 'v' .. op[6]
        if kind == 'incr' then
          redis.pcall('HINCRBY', h, field, op[7])  -- an overflow leaves the value as it was
        else
          local value = (tonumber(redis.call('HGET', h, field) or '0') or 0) + tonumber(op[7])
          redis.call('HSET', h, field, string.format('%.17g', value))
        end
      end
      live = true
    elseif kind == 'del' then
      -- A value set after the delete (by the clock) survives it, and keeps the row.
      live = false
      for _, column in ipairs(names) do
        local written = redis.call('HGET', h, row .. 's' .. column) or ''
        if written < stamp then redis.call('HDEL', h, row .. 'v' .. column, row .. 's' .. column) else live = true end
      end
      dead = stamp
    end
    redis.call('HSET', h, row, (live and 'L' or 'D') .. dead)
  end
  local result = {string.sub(state, 1, 1), live and 'L' or 'D'}
  local record = {name, key, seq, stamp, result[2]}
  if live then
    for i, column in ipairs(names) do
      local value = redis.call('HGET', h, row .. 'v' .. column) or ''
      result[i + 2] = value
      record[i + 5] = value
    end
  end
  return result, join(record)
end

-- Per origin: '<seq> <ms>', the last seq applied and when (Redis's clock), so a server gone long enough is forgotten.
local done = strong and 0 or tonumber(string.match(redis.call('HGET', applied, origin) or '0', '^%d+'))
local results, entry = {}, {'XADD', stream, 'MAXLEN', '~', bound, '*', 'o', origin}
for i = 5, #ARGV do
  local op = split(ARGV[i])
  local seq = tonumber(op[4])
  if strong or op[1] == 'back' or seq > done then  -- a batch sent again after a lost reply is applied once
    local result, record = apply(op)
    results[#results + 1] = result
    entry[#entry + 1] = 'r'
    entry[#entry + 1] = record
    if not strong and op[1] ~= 'back' then done = seq end
  end
end
if not strong then
  local t = redis.call('TIME')
  redis.call('HSET', applied, origin, string.format('%d %d', done, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
end
if #entry > 8 then redis.call(unpack(entry)) end
return results
