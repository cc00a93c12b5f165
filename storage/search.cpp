// chat_store: message search (issue #22). An inverted index in Redis (lua_search.hpp), written off the
// send path: search_index() moves a room's index cursor over what was written since (messages, thread
// replies, edits), and search() walks the index of the query's rarest word, newest first, checking
// each candidate against its current row (membership, not deleted, every word in its current text).
#include "storage/chat_store.hpp"

#include <string>

#include "common/text.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_fragments.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/lua_search.hpp"
#include "storage/message_json.hpp"

namespace chat::storage {

namespace {

constexpr std::int64_t max_words_per_message = 100; ///< words indexed per message (the first ones)
constexpr std::int64_t max_per_word = 50000;        ///< newest entries kept per word
constexpr std::int64_t max_query_words = 8;
constexpr std::int64_t max_scan = 2000;             ///< index entries one query looks at, at most

// KEYS: room:{id}, chat:room:{id}:events. ARGV: room id, budget, words per message, entries per word.
// Indexes up to `budget` positions of the room after its cursor, in position order: message rows
// (their current text), and the event log's `message` (thread replies) and `message.updated`
// (edits; an assistant reply's final text) frames; an assistant reply still streaming waits for its
// final update. Each word gets one ZADD per call with every entry of the call (not one per message
// and word). → {indexed positions, 1 when more remain}
const std::string search_index_body = std::string{lua::kSearchWords} + R"lua(
local room, budget, max_words, max_per_word = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local upto = tonumber(redis.call('HGET', 'chat:search:upto', room) or '0') or 0
local lo = '(' .. string.format('%d', upto)
local m = redis.call('ZRANGEBYSCORE', KEYS[1], lo, '+inf', 'WITHSCORES', 'LIMIT', 0, budget)
local e = redis.call('ZRANGEBYSCORE', KEYS[2], lo, '+inf', 'WITHSCORES', 'LIMIT', 0, budget)
local words, order, trim = {}, {}, {} -- word → {score, member, …} of this call: one ZADD per word at the end
local function index(id, text)
  local ref = room .. ':' .. string.format('%d', id)
  local ids = string.format('%d', id)
  for _, w in ipairs(search_words(text, max_words)) do
    local list = words[w]
    if not list then
      list = {}
      words[w] = list
      order[#order + 1] = w
    end
    list[#list + 1] = ids
    list[#list + 1] = ref
    -- The cap is checked now and then: after an id divisible by 32 (a word may hold up to 32 entries more).
    if id % 32 == 0 then trim[w] = true end
  end
end
local function message_of(row, score) -- a decoded message row or event data → id, text (nil: nothing to index)
  if type(row) ~= 'table' or row.streaming == true or row.deleted == true or type(row.message) ~= 'string' then return nil end
  local id = tonumber(row.id) or math.floor(tonumber(score))
  return math.floor(id), row.message
end
local i, j, n, last = 1, 1, 0, upto
while n < budget and (i <= #m or j <= #e) do
  local row, score
  if j > #e or (i <= #m and tonumber(m[i + 1]) <= tonumber(e[j + 1])) then
    score = m[i + 1]
    local ok, r = pcall(cjson.decode, m[i])
    if ok then row = r end
    i = i + 2
  else
    score = e[j + 1]
    local ok, f = pcall(cjson.decode, e[j])
    if ok and type(f) == 'table' and (f.type == 'message' or f.type == 'message.updated') then row = f.data end
    j = j + 2
  end
  local id, text = message_of(row, score)
  if id then index(id, text) end
  last = math.floor(tonumber(score))
  n = n + 1
end
for _, w in ipairs(order) do
  local key = 'chat:search:w:' .. w
  redis.call('ZADD', key, unpack(words[w]))
  if trim[w] and redis.call('ZCARD', key) > max_per_word then redis.call('ZREMRANGEBYRANK', key, 0, -max_per_word - 1) end
end
if last > upto then redis.call('HSET', 'chat:search:upto', room, string.format('%d', last)) end
return {n, n >= budget and 1 or 0}
)lua";
const lua_script search_index_script{"search_index", search_index_body};

// ARGV: user id, query text, room id ('' = every room of the user), max score ('+inf' or '(id'),
// limit, most index entries to look at, most query words. Walks the index of the query's rarest
// word newest first; a candidate counts when the user is a member of its room, it is not deleted
// and its current text has every word (so an edited message is found by its new text only).
// → {'ok', next ('' = the index is exhausted; else the id to continue before), then flat
// row, score, room id… newest first} | {'no_words'}
const std::string search_body = std::string{lua::kAccess} + lua::kMessageRows + lua::kSearchWords + R"lua(
local uid, q, only, maxs = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local words = search_words(q, tonumber(ARGV[7]))
if #words == 0 then return {'no_words'} end
local best, fewest
for _, w in ipairs(words) do
  local c = redis.call('ZCARD', 'chat:search:w:' .. w)
  if c == 0 then return {'ok', ''} end
  if not fewest or c < fewest then best, fewest = 'chat:search:w:' .. w, c end
end
local out, member, scanned, resume_at = {'ok', ''}, {}, 0, ''
local found = 0
local cur, seen = nil, {} -- the lowest score looked at, and the refs looked at with it
while found < limit and scanned < budget do
  local page = redis.call('ZREVRANGEBYSCORE', best, maxs, '-inf', 'WITHSCORES', 'LIMIT', 0, 200)
  local fresh = 0
  for k = 1, #page, 2 do
    local ref, score = page[k], page[k + 1]
    if not (cur == score and seen[ref]) then
      fresh = fresh + 1
      scanned = scanned + 1
      if cur ~= score then cur, seen = score, {} end
      seen[ref] = true
      local r, ids = string.match(ref, '^(.+):(%d+)$')
      if r and (only == '' or r == only) then
        if member[r] == nil then member[r] = access(uid, r) == 'member' end
        if member[r] then
          local id = tonumber(ids)
          local raw, row, sc = find_message('room:' .. r, id, uid)
          if not raw then
            local p = redis.call('HGET', 'chat:room:' .. r .. ':reply_parents', ids)
            if p then raw, row, sc = find_message('chat:room:' .. r .. ':thread:' .. p, id, uid) end
          end
          if raw and row.deleted ~= true and row.streaming ~= true and type(row.message) == 'string'
             and has_words(row.message, words) then
            out[#out + 1] = raw; out[#out + 1] = sc; out[#out + 1] = r
            found = found + 1
          end
        end
      end
      resume_at = ids or resume_at
      if found >= limit or scanned >= budget then break end
    end
  end
  if found >= limit or scanned >= budget then
    out[2] = resume_at
    break
  end
  if #page < 400 or fresh == 0 then break end -- the index is exhausted
  maxs = cur
end
return out
)lua";
const lua_script search_script{"search", search_body};

} // namespace

std::vector<std::string> chat_store::search_dirty_rooms(std::size_t max) {
  return impl_->search->take(max);
}

void chat_store::search_index(std::string room_id, std::int64_t budget, callback<search_progress> done) {
  if (!classify_room_id(room_id) || budget <= 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  std::vector<std::string> keys{keys::room(room_id), keys::room_events(room_id)};
  impl_->scripts->run(search_index_script, std::move(keys),
                      {room_id, std::to_string(budget), std::to_string(max_words_per_message),
                       std::to_string(max_per_word)},
                      [done = std::move(done)](redis_reply r) {
                        if (!r.is_array() || r.elements.size() != 2 || !r.elements[0].is_integer() ||
                            !r.elements[1].is_integer()) {
                          done(detail::failure_of(r, "search_index"), {});
                          return;
                        }
                        done(errc::ok, search_progress{r.elements[0].integer, r.elements[1].integer == 1});
                      });
}

void chat_store::search(search_query q, callback<search_page> done) {
  if (!is_valid_user_id(q.user_id) || q.text.empty() || q.text.size() > 256 || q.limit < 1 || q.limit > 100 ||
      (!q.room_id.empty() && !classify_room_id(q.room_id))) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  std::vector<std::string> args{std::move(q.user_id),
                                std::move(q.text),
                                q.room_id,
                                q.before ? "(" + std::to_string(*q.before) : std::string{"+inf"},
                                std::to_string(q.limit),
                                std::to_string(max_scan),
                                std::to_string(max_query_words)};
  impl_->scripts->run(
    search_script, {}, std::move(args), [done = std::move(done), metrics = impl_->redis->metrics()](redis_reply r) {
      if (r.text_is("no_words") || (r.is_array() && r.elements.size() == 1 && r.elements[0].is_string() &&
                                    r.elements[0].str == "no_words")) {
        done(errc::invalid, {});
        return;
      }
      if (!detail::tagged(r, "ok") || r.elements.size() < 2 || !r.elements[1].is_string() ||
          (r.elements.size() - 2) % 3 != 0) {
        done(detail::failure_of(r, "search"), {});
        return;
      }
      search_page page;
      if (!r.elements[1].str.empty())
        if (auto next = parse_int64(r.elements[1].str))
          page.next = *next;
      std::int64_t skipped = 0;
      for (std::size_t i = 2; i + 2 < r.elements.size(); i += 3) {
        double score = 0;
        const auto& row = r.elements[i];
        const auto& room = r.elements[i + 2];
        std::optional<stored_message> m;
        if (row.is_string() && room.is_string() && r.elements[i + 1].is_string() &&
            parse_score(r.elements[i + 1].str, score))
          m = normalise_message(row.str, score, room.str);
        if (m)
          page.messages.push_back(std::move(*m));
        else
          ++skipped;
      }
      detail::report_unreadable(metrics, "search", skipped);
      done(errc::ok, std::move(page));
    });
}

} // namespace chat::storage
