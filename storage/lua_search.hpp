#pragma once
/// Internal to chat_storage: the Lua fragment of message search (issue #22), shared by the index and
/// the query scripts (search.cpp), so both cut text into the same words.
///
/// Keys:
/// - `chat:search:w:{word}` (zset): score = message id, member `<room id>:<message id>`; the newest
///   `max_per_word` (50,000) kept per word;
/// - `chat:search:upto` (hash): room id → the position up to which the room was indexed.

namespace chat::storage::lua {

/// search_words(text, max): the distinct words of `text`, in order of first appearance, at most
/// `max`: runs of ASCII letters and digits and of non-ASCII bytes (so any UTF-8 letter stays inside
/// its word), ASCII lower-cased, cut to 32 bytes, words of one byte left out.
/// has_words(text, words): every word of the list is a word of `text`.
inline constexpr char kSearchWords[] = R"lua(
local function search_words(text, max)
  local out, seen = {}, {}
  for w in string.gmatch(string.lower(text), '[%w\128-\255]+') do
    if #w > 32 then w = string.sub(w, 1, 32) end
    if #w >= 2 and not seen[w] then
      seen[w] = true
      out[#out + 1] = w
      if #out >= max then break end
    end
  end
  return out, seen
end
local function has_words(text, words)
  local _, seen = search_words(text, 100000)
  for _, w in ipairs(words) do
    if not seen[w] then return false end
  end
  return true
end
)lua";

} // namespace chat::storage::lua
