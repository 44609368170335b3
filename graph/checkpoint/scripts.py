"""Lua scripts of the Redis checkpoint saver (core commands only: Redis 6.2+, Valkey, Cluster).

Each script touches only ``KEYS[1]`` (the thread's lex index) and ``KEYS[2]`` (its data hash),
which share a hash tag, so every script runs in one slot. Client values arrive only as ARGV;
the sources below are constants. ``ARGV[1]`` is always the TTL in milliseconds (``0`` = keep
forever): every script that reads or writes a thread refreshes both keys' TTL.

Layout and naming: see ``keys.py``. Scripts are called with EVALSHA (redis-py's ``Script``
loads them again after a server restart). Puts and pending writes need no script: they are a
MULTI/EXEC of HSET, HSETNX, ZADD and PEXPIRE (a Lua call costs Redis 7 several times as much).
With ``keep_last`` set, a put runs TRIM inside its transaction and pending writes go through
GUARDED_WRITES, which refuses writes for checkpoints TRIM already dropped.
"""

from __future__ import annotations

from typing import Final

_COMMON: Final = r"""
local I, D = KEYS[1], KEYS[2]
local TTL = tonumber(ARGV[1])
local NUL = '\0'

local function touch()
  if TTL > 0 then
    redis.call('PEXPIRE', I, TTL)
    redis.call('PEXPIRE', D, TTL)
  end
end

-- run a variadic command over a flat list, in slices that keep Lua's unpack() limit
local function each_slice(cmd, key, list)
  local n = #list
  local first = 1
  while first <= n do
    local last = math.min(first + 999, n)
    redis.call(cmd, key, unpack(list, first, last))
    first = last + 1
  end
end

local function hmget_all(fields)
  local out = {}
  local n = #fields
  local first = 1
  while first <= n do
    local last = math.min(first + 999, n)
    local part = redis.call('HMGET', D, unpack(fields, first, last))
    for k = 1, #part do out[#out + 1] = part[k] end
    first = last + 1
  end
  return out
end

-- one checkpoint with its blobs and pending writes; false when its record is gone
local function load(m)
  local vals = redis.call('HMGET', D, 'c' .. m, 'p' .. m, 'v' .. m)
  if not vals[1] then return false end
  local blobs = {}
  if vals[3] then
    local refs = cmsgpack.unpack(vals[3])
    if #refs > 0 then blobs = hmget_all(refs) end
  end
  local writes = {}
  local fields = redis.call('ZRANGEBYLEX', I, '[w' .. m .. NUL, '(w' .. m .. '\1')
  if #fields > 0 then writes = hmget_all(fields) end
  return {m, vals[1], vals[2] or '', vals[3] or '', blobs, writes}
end

local function split_parent(p)
  local at = string.find(p, NUL, 1, true)
  return string.sub(p, 1, at - 1), string.sub(p, at + 1)
end

-- delete checkpoints (names without prefix), their writes, run entries and unreferenced blobs;
-- surviving checkpoints whose parent was deleted lose their parent pointer
local function drop(victims)
  if #victims == 0 then return 0 end
  local gone, candidates, hdel, zrem = {}, {}, {}, {}
  for _, m in ipairs(victims) do
    gone[m] = true
    local vals = redis.call('HMGET', D, 'v' .. m, 'p' .. m)
    if vals[1] then
      for _, f in ipairs(cmsgpack.unpack(vals[1])) do candidates[f] = true end
    end
    if vals[2] then
      local _, run = split_parent(vals[2])
      if run ~= '' then zrem[#zrem + 1] = 'r' .. run .. NUL .. m end
    end
    for _, w in ipairs(redis.call('ZRANGEBYLEX', I, '[w' .. m .. NUL, '(w' .. m .. '\1')) do
      zrem[#zrem + 1] = w
      hdel[#hdel + 1] = w
    end
    zrem[#zrem + 1] = 'c' .. m
    hdel[#hdel + 1] = 'c' .. m
    hdel[#hdel + 1] = 'v' .. m
    hdel[#hdel + 1] = 'p' .. m
  end
  for _, cm in ipairs(redis.call('ZRANGEBYLEX', I, '[c', '(d')) do
    local m = string.sub(cm, 2)
    if not gone[m] then
      local vals = redis.call('HMGET', D, 'v' .. m, 'p' .. m)
      if vals[1] then
        for _, f in ipairs(cmsgpack.unpack(vals[1])) do candidates[f] = nil end
      end
      if vals[2] then
        local parent, run = split_parent(vals[2])
        local ns = string.sub(m, 1, string.find(m, NUL, 1, true) - 1)
        if parent ~= '' and gone[ns .. NUL .. parent] then
          redis.call('HSET', D, 'p' .. m, NUL .. run)
        end
      end
    end
  end
  for f in pairs(candidates) do hdel[#hdel + 1] = f end
  each_slice('ZREM', I, zrem)
  each_slice('HDEL', D, hdel)
  return #victims
end

-- names of checkpoints beyond the newest `keep` of each namespace (in `names`, newest first)
local function beyond(names, keep)
  local seen, victims = {}, {}
  for _, cm in ipairs(names) do
    local m = string.sub(cm, 2)
    local ns = string.sub(m, 1, string.find(m, NUL, 1, true) - 1)
    seen[ns] = (seen[ns] or 0) + 1
    if seen[ns] > keep then victims[#victims + 1] = m end
  end
  return victims
end

-- pending writes (index members in [min, max]) whose checkpoint is gone while a newer one of
-- its namespace exists: LangGraph sends writes in the background, so on a saver without
-- keep_last they can land after an explicit prune dropped their checkpoint. Writes of a
-- checkpoint not saved yet are kept.
local function sweep(min, max)
  local newest, live, dead = {}, {}, {}
  for _, w in ipairs(redis.call('ZRANGEBYLEX', I, min, max)) do
    local ns_end = string.find(w, NUL, 2, true)
    local ns = string.sub(w, 2, ns_end - 1)
    local m = string.sub(w, 2, string.find(w, NUL, ns_end + 1, true) - 1)
    if live[m] == nil then
      if newest[ns] == nil then
        local top = redis.call('ZREVRANGEBYLEX', I, '(c' .. ns .. '\1', '[c' .. ns .. NUL,
          'LIMIT', 0, 1)
        newest[ns] = top[1] and string.sub(top[1], 2) or false
      end
      live[m] = not newest[ns] or m >= newest[ns] or redis.call('HEXISTS', D, 'c' .. m) == 1
    end
    if not live[m] then dead[#dead + 1] = w end
  end
  each_slice('ZREM', I, dead)
  each_slice('HDEL', D, dead)
end
"""

TRIM: Final = (
    _COMMON
    + r"""
-- ARGV: ttl, keep, ns. Runs inside a put's MULTI when keep_last is set: keeps the newest
-- `keep` checkpoints of the namespace (late pending writes of the dropped ones are refused
-- by GUARDED_WRITES).
local keep, ns = tonumber(ARGV[2]), ARGV[3]
drop(beyond(redis.call('ZREVRANGEBYLEX', I, '(c' .. ns .. '\1', '[c' .. ns .. NUL), keep))
touch()
return 1
"""
)

GUARDED_WRITES: Final = (
    _COMMON
    + r"""
-- Pending writes when keep_last is set (without it they are a plain MULTI/EXEC).
-- ARGV: ttl, m, then triples (field, value, overwrite '1'|'0'); regular writes are first-wins.
-- Writes that arrive after their checkpoint was pruned or deleted (LangGraph sends them in the
-- background) are dropped: the checkpoint is gone and a newer one exists in its namespace.
local m = ARGV[2]
if redis.call('HEXISTS', D, 'c' .. m) == 0 then
  local ns = string.sub(m, 1, string.find(m, NUL, 1, true) - 1)
  local newer = redis.call('ZRANGEBYLEX', I, '(c' .. m, '(c' .. ns .. '\1', 'LIMIT', 0, 1)
  if #newer > 0 then return 0 end
end
local members = {}
for j = 3, #ARGV, 3 do
  if ARGV[j + 2] == '1' then
    redis.call('HSET', D, ARGV[j], ARGV[j + 1])
  else
    redis.call('HSETNX', D, ARGV[j], ARGV[j + 1])
  end
  members[#members + 1] = 0
  members[#members + 1] = ARGV[j]
end
each_slice('ZADD', I, members)
touch()
return 1
"""
)

GET_TUPLE: Final = (
    _COMMON
    + r"""
-- ARGV: ttl, ns, checkpoint id ('' = newest of the namespace)
local ns, cid = ARGV[2], ARGV[3]
local m
if cid ~= '' then
  m = ns .. NUL .. cid
else
  local newest = redis.call('ZREVRANGEBYLEX', I, '(c' .. ns .. '\1', '[c' .. ns .. NUL,
    'LIMIT', 0, 1)
  if #newest == 0 then return false end
  m = string.sub(newest[1], 2)
end
local row = load(m)
if row then touch() end
return row
"""
)

LIST: Final = (
    _COMMON
    + r"""
-- ARGV: ttl, ns ('' with all_ns), all_ns '1'|'0', upper bound name ('' = none), count
local ns, all_ns, upper, count = ARGV[2], ARGV[3] == '1', ARGV[4], tonumber(ARGV[5])
local max, min
if all_ns then
  min = '[c'
  max = '(d'
else
  min = '[c' .. ns .. NUL
  max = '(c' .. ns .. '\1'
end
if upper ~= '' then max = '(c' .. upper end
local names = redis.call('ZREVRANGEBYLEX', I, max, min, 'LIMIT', 0, count)
local rows = {}
for k, cm in ipairs(names) do
  names[k] = string.sub(cm, 2)
  rows[k] = load(names[k])
end
if #names > 0 then touch() end
return {names, rows}
"""
)

PRUNE: Final = (
    _COMMON
    + r"""
-- ARGV: ttl, keep (newest checkpoints kept per namespace)
local dropped = drop(beyond(redis.call('ZREVRANGEBYLEX', I, '(d', '[c'), tonumber(ARGV[2])))
sweep('[w', '(x')
touch()
return dropped
"""
)

DELETE_RUNS: Final = (
    _COMMON
    + r"""
-- ARGV: ttl, run ids...
local victims = {}
for j = 2, #ARGV do
  local prefix = 'r' .. ARGV[j] .. NUL
  for _, member in ipairs(redis.call('ZRANGEBYLEX', I, '[' .. prefix, '(r' .. ARGV[j] .. '\1')) do
    victims[#victims + 1] = string.sub(member, #prefix + 1)
  end
end
local dropped = drop(victims)
touch()
return dropped
"""
)

DELETE_THREAD: Final = (
    _COMMON
    + r"""
-- ARGV: ttl (unused); returns the run ids the thread held, so callers can clean run indexes
local runs, seen = {}, {}
for _, member in ipairs(redis.call('ZRANGEBYLEX', I, '[r', '(s')) do
  local run = string.sub(member, 2, string.find(member, NUL, 1, true) - 1)
  if not seen[run] then
    seen[run] = true
    runs[#runs + 1] = run
  end
end
redis.call('UNLINK', I, D)
return runs
"""
)

EXPORT: Final = (
    _COMMON
    + r"""
-- ARGV: ttl; the whole thread as {index members, data field/value pairs}
local members = redis.call('ZRANGE', I, 0, -1)
if #members == 0 then return false end
touch()
return {members, redis.call('HGETALL', D)}
"""
)

IMPORT: Final = (
    _COMMON
    + r"""
-- ARGV: ttl, number of index members, members..., then data field/value pairs
local n = tonumber(ARGV[2])
local members = {}
for j = 3, 2 + n do
  members[#members + 1] = 0
  members[#members + 1] = ARGV[j]
end
local fields = {}
for j = 3 + n, #ARGV do fields[#fields + 1] = ARGV[j] end
each_slice('HSET', D, fields)
each_slice('ZADD', I, members)
touch()
return n
"""
)

LEASE_RELEASE: Final = r"""
-- KEYS[1] lease key, ARGV[1] token: delete only if we still hold it
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

LEASE_RENEW: Final = r"""
-- KEYS[1] lease key, ARGV[1] token, ARGV[2] ttl ms: extend only if we still hold it
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

LEASE_TAKEOVER: Final = r"""
-- KEYS[1] lease key, ARGV[1] the dead holder's token, ARGV[2] our token, ARGV[3] ttl ms:
-- take the lease only if the dead holder still has it (nobody took it over meanwhile)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 0
"""

STOP_REQUEST: Final = r"""
-- KEYS[1] lease key, KEYS[2] stop key, ARGV[1] ttl ms: address a stop to the current holder
local token = redis.call('GET', KEYS[1])
if not token then
  return 0
end
redis.call('SET', KEYS[2], token, 'PX', ARGV[1])
return 1
"""

STOP_TAKE: Final = r"""
-- KEYS[1] lease key, KEYS[2] stop key: 1 (and the request deleted) when it names the holder
local token = redis.call('GET', KEYS[1])
if token and redis.call('GET', KEYS[2]) == token then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
"""
