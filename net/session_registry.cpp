#include "net/session_registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/text.hpp"

namespace chat::net {

namespace {

/// The key of an id every caller of add() got from storage::hash_session_token.
session_key must_parse(const std::string& id) {
  auto key = session_key::parse(id);
  if (!key) {
    std::fprintf(stderr, "session_registry: a session id is not 64 hex characters (%zu bytes)\n", id.size());
    std::abort();
  }
  return *key;
}

} // namespace

std::optional<session_key> session_key::parse(const std::string& hex) noexcept {
  session_key k;
  if (hex.size() != 2 * k.bytes.size())
    return std::nullopt;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) {
    int hi = hex_digit_value(hex[2 * i]), lo = hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    k.bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return k;
}

std::string session_key::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

std::size_t session_key_hash::operator()(const session_key& k) const noexcept {
  std::size_t h;
  std::memcpy(&h, k.bytes.data(), sizeof h);
  return h;
}

session_registry::session_registry(clock::duration remember, std::size_t max_remembered)
  : remember_(remember), max_remembered_(max_remembered) {}

std::uint64_t session_registry::add(const std::string& hex_id, const std::string& user_id,
                                    std::weak_ptr<revocable> conn, const session_key** key) {
  const auto id = must_parse(hex_id);
  std::shared_ptr<revocable> ended_conn;
  std::uint64_t ticket;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    ticket = next_ticket_++;
    auto [pos, fresh] = sessions_.try_emplace(id);
    auto& e = pos->second;
    if (fresh)
      e.user_id = user_id;
    if (key != nullptr) // a map node's key stays put until the node is erased (its last ticket removed)
      *key = &pos->first;
    if (e.first.first == 0)
      e.first = {ticket, conn};
    else {
      if (!e.more)
        e.more = std::make_unique<std::vector<conn_ref>>();
      e.more->emplace_back(ticket, conn);
    }
    ++count_;
    auto it = ended_.find(id);
    if (it != ended_.end() && clock::now() - it->second < remember_)
      ended_conn = conn.lock();
  }
  // Outside the lock: a connection may end (and remove itself) inline.
  if (ended_conn)
    ended_conn->end_session();
  return ticket;
}

void session_registry::remove(const session_key& id, std::uint64_t ticket) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    return;
  auto& e = it->second;
  if (e.first.first == ticket) {
    e.first = {};
  } else {
    if (!e.more)
      return;
    auto& more = *e.more;
    auto pos = std::find_if(more.begin(), more.end(), [&](const auto& c) { return c.first == ticket; });
    if (pos == more.end())
      return;
    *pos = std::move(more.back()); // order does not matter
    more.pop_back();
  }
  --count_;
  if (e.empty()) {
    sessions_.erase(it); // `id` may be this node's key: not used after this
    return;
  }
  if (e.first.first == 0) { // the inline place is free again: one of the others moves in
    e.first = std::move(e.more->back());
    e.more->pop_back();
  }
  if (e.more->empty())
    e.more.reset();
}

void session_registry::take(session_map::iterator it, std::vector<std::shared_ptr<revocable>>& out,
                            clock::time_point now) {
  // The connections stay registered (each removes itself when it is gone): a second end of the
  // same session tells them again, which they ignore.
  it->second.for_each([&out](const conn_ref& ref) {
    if (auto c = ref.second.lock())
      out.push_back(std::move(c));
  });
  remember(it->first, now);
}

void session_registry::remember(const session_key& id, clock::time_point now) {
  // A second end of the same id renews it; the older order entry is then skipped by prune().
  ended_.insert_or_assign(id, now);
  ended_order_.emplace_back(now, id);
}

void session_registry::prune(clock::time_point now) {
  while (!ended_order_.empty() &&
         (now - ended_order_.front().first >= remember_ || ended_order_.size() > max_remembered_)) {
    auto& [when, id] = ended_order_.front();
    auto it = ended_.find(id);
    if (it != ended_.end() && it->second == when)
      ended_.erase(it);
    ended_order_.pop_front();
  }
}

std::size_t session_registry::end_session(const std::string& hex_id) {
  const auto parsed = session_key::parse(hex_id);
  if (!parsed)
    return 0; // no session has such an id (a malformed envelope)
  const auto& id = *parsed;
  std::vector<std::shared_ptr<revocable>> told;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    const auto now = clock::now();
    prune(now);
    auto it = sessions_.find(id);
    if (it != sessions_.end())
      take(it, told, now);
    else
      remember(id, now); // no connection here yet: one may be registering
    prune(now);
  }
  for (auto& c : told)
    c->end_session();
  return told.size();
}

std::size_t session_registry::end_user(const std::string& user_id) {
  std::vector<std::shared_ptr<revocable>> told;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    const auto now = clock::now();
    prune(now);
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.user_id == user_id)
        take(it, told, now);
    prune(now);
  }
  for (auto& c : told)
    c->end_session();
  return told.size();
}

std::vector<live_session> session_registry::sessions() const {
  std::lock_guard<std::mutex> guard{mutex_};
  std::vector<live_session> out;
  out.reserve(sessions_.size());
  for (auto& [id, e] : sessions_)
    out.push_back(live_session{id.hex(), e.user_id});
  return out;
}

std::size_t session_registry::size() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return count_;
}

bool session_registry::ended_recently(const std::string& hex_id) const {
  const auto id = session_key::parse(hex_id);
  if (!id)
    return false;
  std::lock_guard<std::mutex> guard{mutex_};
  auto it = ended_.find(*id);
  return it != ended_.end() && clock::now() - it->second < remember_;
}

// -- session_ticket ------------------------------------------------------------------------------

session_ticket::session_ticket(session_registry& registry, std::string id, const std::string& user_id,
                               std::weak_ptr<revocable> conn)
  : registry_(&registry) {
  ticket_ = registry.add(id, user_id, std::move(conn), &id_);
}

session_ticket::~session_ticket() { release(); }

session_ticket::session_ticket(session_ticket&& other) noexcept
  : registry_(std::exchange(other.registry_, nullptr)), id_(std::exchange(other.id_, nullptr)),
    ticket_(std::exchange(other.ticket_, 0)) {}

session_ticket& session_ticket::operator=(session_ticket&& other) noexcept {
  if (this != &other) {
    release();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = std::exchange(other.id_, nullptr);
    ticket_ = std::exchange(other.ticket_, 0);
  }
  return *this;
}

void session_ticket::release() noexcept {
  if (registry_ != nullptr && id_ != nullptr)
    registry_->remove(*id_, ticket_);
  registry_ = nullptr;
  id_ = nullptr;
  ticket_ = 0;
}

} // namespace chat::net
