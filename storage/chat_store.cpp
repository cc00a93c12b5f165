#include "storage/chat_store.hpp"

#include <algorithm>
#include <cstdlib>

#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/message_json.hpp"
#include "storage/session_token.hpp"

namespace chat::storage {

const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::unavailable: return "unavailable";
    case errc::overloaded: return "overloaded";
    case errc::not_found: return "not_found";
    case errc::forbidden: return "forbidden";
    case errc::conflict: return "conflict";
    case errc::invalid: return "invalid";
    case errc::internal: return "internal";
    case errc::rate_limited: return "rate_limited";
    case errc::too_many_rooms: return "too_many_rooms";
    case errc::too_many_connections: return "too_many_connections";
    case errc::too_many_reactions: return "too_many_reactions";
    case errc::muted: return "muted";
    case errc::archived: return "archived";
    case errc::not_replicated: return "not_replicated";
  }
  return "internal";
}

namespace detail {

errc unexpected(const redis_reply& r, std::string_view op) {
  log::error("redis_unexpected_reply", {{"op", op}, {"kind", to_string(r.type)},
                                        {"error", r.is_error() ? std::string_view{r.str} : std::string_view{}}});
  return errc::internal;
}

errc failure_of(const redis_reply& r, std::string_view op) {
  if (r.is_io_error())
    return errc::unavailable;
  // Redis is up but cannot serve the command right now: out of memory, a read-only replica,
  // loading its dataset, a busy script, no master. Clients should retry: 503, not 500.
  for (auto prefix : {"OOM", "READONLY", "LOADING", "BUSY", "MASTERDOWN", "NOREPLICAS", "TRYAGAIN"})
    if (r.error_starts_with(prefix)) {
      log::warn("redis_refused", {{"op", op}, {"error", r.str}});
      return errc::unavailable;
    }
  return unexpected(r, op);
}

bool tagged(const redis_reply& r, std::string_view status) noexcept {
  return r.is_array() && !r.elements.empty() && r.elements[0].text_is(status);
}

const std::string& text_of(const redis_reply& r) noexcept {
  static const std::string empty;
  return (r.is_string() || r.type == redis_reply::kind::status) ? r.str : empty;
}

bool is_lookup_username(std::string_view name) noexcept {
  if (name.empty() || name.size() > 256)
    return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return false;
  }
  return true;
}

} // namespace detail

chat_store::chat_store(std::shared_ptr<redis_client> redis, store_options opts) {
  if (!redis) {
    log::error("chat_store_without_redis");
    std::abort();
  }
  impl_ = std::make_unique<impl>(std::move(redis), std::move(opts));
  // Slot ids of this process (chat_store_connections.cpp): unique across the restarts of a server id.
  impl_->slots->prefix = impl_->opts.server_id + "/" + new_session_token().substr(0, 16) + "/";
}

chat_store::~chat_store() = default;

// -- schema ------------------------------------------------------------------------------

namespace {

struct backfill_state {
  std::shared_ptr<script_runner> scripts;
  callback<bool> done;
  long long added = 0;
  long long searchable = 0;
  bool search_phase = false; ///< chat:usernames is complete; now chat:user_search
};

/// Indexes the usernames of users created by other writers, 500 ids per step, until complete:
/// first the case-insensitive name index, then the prefix index of user search (each has its own
/// cursor, so a Redis indexed before user search existed gets the second one filled once).
/// Registrations meanwhile are still checked completely (create_user indexes first).
void backfill_step(std::shared_ptr<backfill_state> st) {
  auto scripts = st->scripts;
  const auto& script = st->search_phase ? scripts::index_user_search : scripts::index_usernames;
  scripts->run(script, {}, {"500"}, [st](redis_reply r) {
    if (!r.is_array() || r.elements.size() != 2 || !r.elements[0].is_integer() || !r.elements[1].is_integer()) {
      st->done(detail::failure_of(r, st->search_phase ? "index_user_search" : "index_usernames"), false);
      return;
    }
    (st->search_phase ? st->searchable : st->added) += r.elements[1].integer;
    if (r.elements[0].integer == 1 && st->search_phase) {
      log::info("schema_ready", {{"usernames_backfilled", static_cast<std::int64_t>(st->added)},
                                 {"user_search_backfilled", static_cast<std::int64_t>(st->searchable)}});
      st->done(errc::ok, true);
      return;
    }
    if (r.elements[0].integer == 1)
      st->search_phase = true;
    backfill_step(st);
  });
}

} // namespace

void chat_store::ensure_schema(callback<bool> done) {
  auto st = std::make_shared<backfill_state>(backfill_state{impl_->scripts, std::move(done), 0, 0, false});
  impl_->scripts->run(scripts::ensure_schema, {}, {}, [st](redis_reply r) {
    if (!r.is_integer()) {
      st->done(detail::failure_of(r, "ensure_schema"), false);
      return;
    }
    if (r.integer > 0)
      log::info("schema_initialised", {{"keys_created", static_cast<std::int64_t>(r.integer)}});
    backfill_step(st);
  });
}

void chat_store::is_empty(callback<bool> done) {
  // The assistant's bot user (chat:ai:bot), when it is the only user, does not count.
  impl_->redis->command({"MGET", "total_users", "chat:ai:bot"}, [done = std::move(done)](redis_reply r) {
    if (!r.is_array() || r.elements.size() != 2) {
      done(detail::failure_of(r, "is_empty"), false);
      return;
    }
    const auto& total = r.elements[0];
    const auto& bot = r.elements[1];
    if (total.is_nil() || (total.is_string() && (total.str == "0" || total.str.empty())))
      done(errc::ok, true);
    else if (total.is_string())
      done(errc::ok, total.str == "1" && bot.is_string() && bot.str == "1");
    else
      done(detail::failure_of(r, "is_empty"), false);
  });
}

// -- sessions ----------------------------------------------------------------------------

void chat_store::create_session(std::string token_hash, std::string user_id, callback<bool> done) {
  if (!is_well_formed_token(token_hash) || !is_valid_user_id(user_id)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  auto ttl = std::max<std::int64_t>(1, impl_->opts.session_ttl.count());
  impl_->redis->command({"SET", keys::session(token_hash), std::move(user_id), "EX", std::to_string(ttl)},
                        [done = std::move(done)](redis_reply r) {
                          if (r.ok())
                            done(errc::ok, true);
                          else
                            done(detail::failure_of(r, "create_session"), false);
                        });
}

void chat_store::resolve_session(std::string token_hash, callback<user> done) {
  if (!is_well_formed_token(token_hash)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::not_found);
    return;
  }
  impl_->scripts->run(scripts::resolve_session, {keys::session(token_hash)}, {},
                      [done = std::move(done)](redis_reply r) {
                        if (detail::tagged(r, "not_found")) {
                          done(errc::not_found, user{});
                        } else if (detail::tagged(r, "ok") && r.elements.size() == 4) {
                          done(errc::ok, user{r.elements[1].str, r.elements[2].str, r.elements[3].str});
                        } else {
                          done(detail::failure_of(r, "resolve_session"), user{});
                        }
                      });
}

void chat_store::delete_session(std::string token_hash, callback<bool> done) {
  if (!is_well_formed_token(token_hash)) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::ok);
    return;
  }
  impl_->redis->command({"DEL", keys::session(token_hash)}, [done = std::move(done)](redis_reply r) {
    if (r.is_integer())
      done(errc::ok, true);
    else
      done(detail::failure_of(r, "delete_session"), false);
  });
}

void chat_store::session_users(std::vector<std::string> token_hashes,
                               callback<std::vector<std::string>> done) {
  if (token_hashes.empty() || !std::all_of(token_hashes.begin(), token_hashes.end(),
                                           [](const std::string& h) { return is_well_formed_token(h); })) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  std::vector<std::string> argv;
  argv.reserve(token_hashes.size() + 1);
  argv.emplace_back("MGET");
  for (auto& h : token_hashes)
    argv.push_back(keys::session(h));
  impl_->redis->command(std::move(argv), "MGET:sessions",
                        [n = token_hashes.size(), done = std::move(done)](redis_reply r) {
                          if (!r.is_array() || r.elements.size() != n)
                            return done(detail::failure_of(r, "session_users"), {});
                          std::vector<std::string> users;
                          users.reserve(n);
                          for (auto& e : r.elements)
                            users.push_back(e.is_string() ? std::move(e.str) : std::string{});
                          done(errc::ok, std::move(users));
                        });
}

// -- rate limits -------------------------------------------------------------------------

namespace {

bool valid_rate_key(const std::string& key) noexcept { return !key.empty() && key.size() <= 512; }

} // namespace

void chat_store::rate_reserve(std::vector<rate_counter> counters, std::chrono::seconds window,
                              callback<rate_verdict> done) {
  std::vector<std::string> ks;
  std::vector<std::string> args{std::to_string(window.count())};
  for (auto& c : counters) {
    if (!valid_rate_key(c.key) || c.limit < 1) {
      ks.clear();
      break;
    }
    ks.push_back(keys::rate_limit(c.key));
    args.push_back(std::to_string(c.limit));
  }
  if (ks.empty() || window.count() < 1) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  impl_->scripts->run(scripts::rate_reserve, std::move(ks), std::move(args),
                      [done = std::move(done)](redis_reply r) {
                        if (r.is_array() && r.elements.size() == 2 && r.elements[0].is_integer() &&
                            r.elements[1].is_integer() && r.elements[1].integer >= 0) {
                          rate_verdict v;
                          v.retry_after = r.elements[0].integer;
                          v.full = v.retry_after > 0 ? static_cast<std::size_t>(r.elements[1].integer) - 1 : 0;
                          done(errc::ok, v);
                        } else {
                          done(detail::failure_of(r, "rate_reserve"), rate_verdict{});
                        }
                      });
}

void chat_store::rate_release(std::vector<std::string> decrement, std::vector<std::string> reset,
                              callback<bool> done) {
  std::vector<std::string> ks;
  for (auto* list : {&decrement, &reset})
    for (auto& k : *list)
      if (valid_rate_key(k))
        ks.push_back(keys::rate_limit(k));
      else
        return detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
  if (ks.empty())
    return detail::fail_soon(*impl_->redis, std::move(done), errc::ok);
  impl_->scripts->run(scripts::rate_release, std::move(ks), {std::to_string(decrement.size())},
                      [done = std::move(done)](redis_reply r) {
                        if (r.is_integer())
                          done(errc::ok, true);
                        else
                          done(detail::failure_of(r, "rate_release"), false);
                      });
}

} // namespace chat::storage
