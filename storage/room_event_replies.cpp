#include "storage/room_event_replies.hpp"

#include <cmath>
#include <optional>

#include "storage/chat_store_impl.hpp"
#include "storage/message_json.hpp"

namespace chat::storage {

std::optional<std::int64_t> muted_until(const redis_reply& r) {
  static constexpr std::string_view prefix = "muted:";
  if (r.type != redis_reply::kind::string && r.type != redis_reply::kind::status)
    return std::nullopt;
  if (r.str.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = prefix.size(); i < r.str.size(); ++i) {
    if (r.str[i] < '0' || r.str[i] > '9' || v > (std::int64_t{1} << 55))
      return std::nullopt;
    v = v * 10 + (r.str[i] - '0');
  }
  return r.str.size() > prefix.size() ? std::optional<std::int64_t>{v} : std::nullopt;
}

errc parse_written_event(redis_reply& r, written_event& out, std::string_view op) {
  if (r.text_is("forbidden"))
    return errc::forbidden;
  if (r.text_is("not_found"))
    return errc::not_found;
  if (r.text_is("conflict"))
    return errc::conflict;
  if (r.text_is("too_many_reactions"))
    return errc::too_many_reactions;
  if (r.text_is("invalid"))
    return errc::invalid;
  if (r.text_is("archived"))
    return errc::archived;
  if (auto until = muted_until(r)) {
    out.muted_until = *until;
    return errc::muted;
  }
  if (!detail::tagged(r, "ok"))
    return detail::failure_of(r, op);
  auto& e = r.elements;
  if (e.size() < 6 || (e.size() - 1) % 5 != 0)
    return detail::unexpected(r, op);
  for (std::size_t i = 1; i < e.size(); i += 5) {
    if (!e[i].is_integer() || !e[i + 1].is_integer() || !e[i + 2].is_string() || !e[i + 3].is_string() ||
        !e[i + 4].is_string())
      return detail::unexpected(r, op);
    written_event& w = i == 1 ? out : out.more.emplace_back();
    w.seq = e[i].integer;
    w.prev = e[i + 1].integer;
    w.data = std::move(e[i + 2].str);
    w.frame = std::move(e[i + 3].str);
    w.audience = std::move(e[i + 4].str);
  }
  return errc::ok;
}

void append_message_frame(std::string& out, std::string_view json) {
  static constexpr std::string_view head = R"({"type":"message","data":)";
  out.reserve(out.size() + head.size() + json.size() + 1);
  out.append(head).append(json).push_back('}');
}

bool parse_message_rows(const redis_reply& r, std::string_view room_id, std::vector<stored_message>& out,
                        std::int64_t& skipped) {
  if (!r.is_array() || r.elements.size() % 2 != 0)
    return false;
  out.reserve(out.size() + r.elements.size() / 2);
  for (std::size_t i = 0; i < r.elements.size(); i += 2) {
    double score = 0;
    std::optional<stored_message> m;
    if (r.elements[i].is_string() && r.elements[i + 1].is_string() && parse_score(r.elements[i + 1].str, score))
      m = normalise_message(r.elements[i].str, score, room_id);
    if (m)
      out.push_back(std::move(*m));
    else
      ++skipped;
  }
  return true;
}

bool split_audience(std::string& row, std::string& audience) {
  static constexpr std::string_view head = R"({"only":")";
  if (row.compare(0, head.size(), head) != 0)
    return true;
  auto end = row.find('"', head.size());
  if (end == std::string::npos || end + 1 >= row.size() || row[end + 1] != ',')
    return false;
  audience.assign(row, head.size(), end - head.size());
  row.erase(1, end + 1); // `{"only":"5",` → `{`
  return !audience.empty();
}

bool parse_event_rows(redis_reply& r, std::string_view room_id, std::vector<stored_event>& out,
                      std::int64_t& skipped) {
  if (!r.is_array() || r.elements.size() % 3 != 0)
    return false;
  out.reserve(out.size() + r.elements.size() / 3);
  for (std::size_t i = 0; i < r.elements.size(); i += 3) {
    const auto& tag = r.elements[i];
    const auto& score_text = r.elements[i + 1];
    auto& member = r.elements[i + 2];
    double score = 0;
    if (!score_text.is_string() || !member.is_string() || !parse_score(score_text.str, score)) {
      ++skipped;
      continue;
    }
    if (tag.text_is("m")) {
      auto m = normalise_message(member.str, score, room_id);
      if (!m) {
        ++skipped;
        continue;
      }
      stored_event ev;
      ev.id = m->id;
      append_message_frame(ev.frame, m->json);
      out.push_back(std::move(ev));
    } else if (tag.text_is("e") && std::isfinite(score) && std::fabs(score) < 9.0e18) {
      stored_event ev{static_cast<std::int64_t>(std::floor(score)), std::move(member.str), {}};
      if (!split_audience(ev.frame, ev.audience)) {
        ++skipped;
        continue;
      }
      out.push_back(std::move(ev));
    } else {
      ++skipped;
    }
  }
  return true;
}

} // namespace chat::storage
