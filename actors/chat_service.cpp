#include "actors/chat_service.hpp"

#include "actors/assistant_actor.hpp"

#include <chrono>
#include <ctime>
#include <type_traits>

#include "actors/frame.hpp"
#include "actors/json_frames.hpp"
#include "actors/realtime.hpp"
#include "actors/send_rate_limiter.hpp"
#include "common/emoji.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "metrics/log.hpp"
#include "storage/chat_store.hpp"

namespace chat::actors {

std::error_code from_store(storage::errc e) noexcept {
  switch (e) {
    case storage::errc::ok: return {};
    case storage::errc::unavailable: return error::unavailable;
    case storage::errc::overloaded: return error::overloaded;
    case storage::errc::not_found: return error::not_found;
    case storage::errc::forbidden: return error::forbidden;
    case storage::errc::conflict: return error::conflict;
    case storage::errc::invalid: return error::bad_request;
    case storage::errc::rate_limited: return error::rate_limited;
    case storage::errc::too_many_rooms: return error::too_many_rooms;
    case storage::errc::too_many_connections: return error::too_many_connections;
    case storage::errc::too_many_reactions: return error::too_many_reactions;
    case storage::errc::muted: return error::muted;
    case storage::errc::archived: return error::archived;
    case storage::errc::not_replicated: return error::not_replicated;
    case storage::errc::internal: break;
  }
  return error::internal;
}

namespace {

/// The message of a command the store refused: the command's own words for not_found and
/// forbidden, the error table's otherwise.
std::string refusal(storage::errc e, std::string_view not_found, std::string_view forbidden) {
  switch (e) {
    case storage::errc::not_found: return std::string{not_found};
    case storage::errc::forbidden: return std::string{forbidden};
    default: return std::string{info(from_store(e)).message};
  }
}

/// The words of a mute refusal: its end (unix ms; 0 = until lifted) as UTC.
std::string muted_message(std::int64_t until) {
  if (until <= 0)
    return "you are muted by a moderator until they lift it";
  std::time_t secs = static_cast<std::time_t>(until / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string{"you are muted by a moderator until "} + buf;
}

std::string access_message(storage::room_access a) {
  return a == storage::room_access::not_found ? "no such room" : "not a member of this room";
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Delivers a refusal through the caller's executor.
void refuse(const post_fn& post, const result_fn& done, std::error_code ec, std::string message,
            std::string client_id, std::string room_id) {
  command_result r;
  r.error = ec;
  r.message = std::move(message);
  r.client_id = std::move(client_id);
  r.room_id = std::move(room_id);
  post([done, r = std::move(r)]() mutable { done(std::move(r)); });
}

} // namespace

chat_service::chat_service(storage::chat_store& store, realtime* rt, send_rate_limiter& limiter,
                           metrics::node_metrics& metrics, command_limits limits)
  : store_(store), realtime_(rt), limiter_(limiter),
    read_limiter_(std::make_unique<send_rate_limiter>(60, std::chrono::seconds{10})), metrics_(metrics),
    limits_(limits) {}

chat_service::~chat_service() = default;

bool chat_service::admit_message() {
  return store_.admit_message();
}

unsigned chat_service::retry_after_seconds() const noexcept {
  return limiter_.retry_after_seconds();
}

bool chat_service::admit(const command_origin& who, const std::string& room_id, const std::string& client_id,
                         const std::string* text, const post_fn& post, const result_fn& done, bool read,
                         const send_command* media) {
  std::string why;
  std::error_code ec = check_room_id(room_id, why);
  if (!ec)
    ec = check_client_id(client_id, limits_, why);
  if (!ec && media != nullptr)
    ec = check_attachments(media->attachments, why);
  if (!ec && media != nullptr && media->location)
    ec = check_location(*media->location, why);
  if (!ec && text != nullptr)
    ec = check_text(*text, limits_, why, media != nullptr);
  if (!ec && !(read ? *read_limiter_ : limiter_).allow(who.user_id)) {
    metrics_.rate_limited(read ? "read" : who.transport == metrics::transport::http ? "message_http" : "ws_message")
      .Increment();
    ec = error::rate_limited;
    why = read ? "too many read markers; slow down" : "too many messages; slow down";
  }
  if (!ec)
    return true;
  refuse(post, done, ec, std::move(why), client_id, room_id);
  return false;
}

const std::string& room_of(const room_command& cmd) noexcept {
  return std::visit([](const auto& c) -> const std::string& { return c.room_id; }, cmd);
}

void chat_service::execute(const command_origin& who, room_command cmd, post_fn post, result_fn done) {
  std::visit(
    [&](auto&& c) {
      using command = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<command, send_command>)
        send(who, std::move(c), std::move(post), std::move(done));
      else if constexpr (std::is_same_v<command, edit_command>)
        edit(who, std::move(c), std::move(post), std::move(done));
      else if constexpr (std::is_same_v<command, delete_command>)
        remove(who, std::move(c), std::move(post), std::move(done));
      else if constexpr (std::is_same_v<command, stop_command>)
        stop_reply(who, std::move(c), std::move(post), std::move(done));
      else if constexpr (std::is_same_v<command, read_command>)
        read(who, std::move(c), std::move(post), std::move(done));
      else if constexpr (std::is_same_v<command, reaction_command>)
        react(who, std::move(c), std::move(post), std::move(done));
      else
        static_assert(sizeof(command) == 0, "a room_command without its method in execute()");
    },
    std::move(cmd));
}

namespace {

/// How a command words the store's refusals (string literals).
struct refusal_words {
  std::string_view not_found;
  std::string_view forbidden;
  std::string_view conflict = "the assistant's reply is still streaming; react when it ends";
  std::string_view invalid = {}; ///< empty: the error table's
};

/// Hands written room events to the local rooms, in order (their frames move out of `w`).
void publish_written(realtime* rt, const std::string& room_id, storage::written_event& w) {
  if (rt == nullptr || w.seq <= 0) // (seq 0: an idempotent command that changed nothing)
    return;
  auto ts = now_ms();
  rt->publish(room_id, w.seq, w.prev, ts, make_frame(std::move(w.frame)), std::move(w.audience));
  for (auto& more : w.more)
    rt->publish(room_id, more.seq, more.prev, ts, make_frame(std::move(more.frame)), std::move(more.audience));
}

/// The completion of a command answered with written room events: publishes them locally in order,
/// then answers through the caller's executor (a command without an id of its own, a thread reply,
/// gets the first event's position as its id).
storage::callback<storage::written_event> on_written(realtime* rt, command_result base, post_fn post,
                                                     result_fn done, refusal_words words) {
  return [rt, base = std::move(base), post = std::move(post), done = std::move(done),
          words](storage::errc e, storage::written_event w) mutable {
    if (e == storage::errc::muted) {
      base.error = error::muted;
      base.message = muted_message(w.muted_until);
      base.muted_until = w.muted_until;
    } else if (e != storage::errc::ok) {
      base.error = from_store(e);
      base.message = e == storage::errc::conflict ? std::string{words.conflict}
                     : e == storage::errc::too_many_reactions
                       ? "a message has at most " + std::to_string(max_reactions_per_message) + " distinct reactions"
                     : e == storage::errc::invalid && !words.invalid.empty()
                       ? std::string{words.invalid}
                       : refusal(e, words.not_found, words.forbidden);
    } else {
      publish_written(rt, base.room_id, w);
      base.seq = w.seq;
      if (base.id == 0)
        base.id = w.seq;
      base.data = std::move(w.data);
    }
    post([done = std::move(done), r = std::move(base)]() mutable { done(std::move(r)); });
  };
}

} // namespace

void chat_service::send(const command_origin& who, send_command cmd, post_fn post, result_fn done) {
  metrics_.messages_received(who.transport).Increment();
  const bool has_media = !cmd.attachments.empty() || cmd.location;
  if (!admit(who, cmd.room_id, cmd.client_id, &cmd.text, post, done, false, has_media ? &cmd : nullptr))
    return;
  storage::message_extras extras;
  if (has_media) {
    extras.attachments = std::move(cmd.attachments);
    if (cmd.location)
      extras.location_json = location_json(*cmd.location);
  }
  if (cmd.parent_id > 0) { // a thread reply: its own script (two events), never an assistant trigger
    command_result base;
    base.client_id = std::move(cmd.client_id);
    base.room_id = cmd.room_id;
    // (the script says invalid both for a reply to a reply and for a file it may not attach)
    store_.reply_message(std::move(cmd.room_id), cmd.parent_id, who.user_id, std::move(cmd.text),
                         std::move(extras),
                         on_written(realtime_, std::move(base), std::move(post), std::move(done),
                                    {"no such message to reply to", "not a member of this room",
                                     "the assistant's reply is still streaming; reply when it ends",
                                     has_media ? "replies are one level deep: reply to the thread's parent; "
                                                 "or an attachment is unknown, expired, not yours, of another "
                                                 "room or already attached"
                                               : "replies are one level deep: reply to the thread's parent"}));
    return;
  }
  // A message that asks the assistant (a DM with the bot, a mention) keeps its sender and text for
  // it; any other costs this one check (none at all without an assistant).
  std::shared_ptr<std::pair<std::string, std::string>> trigger;
  if (assistant_ && assistant_->is_trigger(cmd.room_id, cmd.text))
    trigger = std::make_shared<std::pair<std::string, std::string>>(who.user_id, cmd.text);
  // One round trip: the store's script checks membership and writes in the same atomic step.
  auto room_id = cmd.room_id;
  store_.send_message(
    std::move(cmd.room_id), who.user_id, std::move(cmd.text), std::move(extras),
    [this, room_id = std::move(room_id), client_id = std::move(cmd.client_id), post = std::move(post),
     done = std::move(done), trigger = std::move(trigger)](storage::errc e, storage::sent_message m) mutable {
      command_result r;
      r.client_id = std::move(client_id);
      r.room_id = std::move(room_id);
      if (e == storage::errc::muted) {
        r.error = error::muted;
        r.message = muted_message(m.muted_until);
        r.muted_until = m.muted_until;
      } else if (e != storage::errc::ok) {
        r.error = from_store(e);
        r.message = e == storage::errc::invalid // (the store's verdict on an attachment)
                      ? "an attachment is unknown, expired, not yours, of another room or already attached"
                      : refusal(e, "no such room", "not a member of this room");
      } else {
        if (realtime_ != nullptr) // serialized once, shared by every local recipient
          realtime_->publish(r.room_id, m.id, m.prev, now_ms(), make_message_frame(m.json));
        r.id = r.seq = m.id;
        r.data = std::move(m.json);
        if (trigger) // after the local publish: the reply's placeholder comes after the question
          assistant_->triggered(trigger->first, r.room_id, m.id, std::move(trigger->second));
      }
      post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    });
}

namespace {

/// The answer's frame for a command about one message: its clientId, room and message id (moves
/// the client id out of `cmd`).
template <class Command>
command_result about_message(Command& cmd) {
  command_result r;
  r.client_id = std::move(cmd.client_id);
  r.room_id = cmd.room_id;
  r.id = cmd.id;
  return r;
}

} // namespace

void chat_service::edit(const command_origin& who, edit_command cmd, post_fn post, result_fn done) {
  if (!admit(who, cmd.room_id, cmd.client_id, &cmd.text, post, done))
    return;
  auto base = about_message(cmd);
  store_.edit_message(std::move(cmd.room_id), cmd.id, who.user_id, std::move(cmd.text),
                      on_written(realtime_, std::move(base), std::move(post), std::move(done),
                                 {"no such room or message", "only its author may edit a message"}));
}

void chat_service::remove(const command_origin& who, delete_command cmd, post_fn post, result_fn done) {
  if (!admit(who, cmd.room_id, cmd.client_id, nullptr, post, done))
    return;
  auto base = about_message(cmd);
  store_.delete_message(std::move(cmd.room_id), cmd.id, who.user_id,
                        on_written(realtime_, std::move(base), std::move(post), std::move(done),
                                   {"no such room or message",
                                    "only its author, the channel's owner, an admin or a moderator may delete a message"}));
}

void chat_service::react(const command_origin& who, reaction_command cmd, post_fn post, result_fn done) {
  if (!admit(who, cmd.room_id, cmd.client_id, nullptr, post, done))
    return;
  if (!is_reaction_emoji(cmd.emoji))
    return refuse(post, done, error::bad_request,
                  "emoji must be one emoji or a :short_name: of at most 32 bytes ([a-z0-9_+-])",
                  std::move(cmd.client_id), std::move(cmd.room_id));
  command_result base;
  base.client_id = std::move(cmd.client_id);
  base.room_id = cmd.room_id;
  base.id = cmd.id;
  store_.react_message(std::move(cmd.room_id), cmd.id, who.user_id, std::move(cmd.emoji), cmd.on,
                       max_reactions_per_message,
                       on_written(realtime_, std::move(base), std::move(post), std::move(done),
                                  {"no such room or message", "not a member of this room"}));
}

void chat_service::stop_reply(const command_origin& who, stop_command cmd, post_fn post, result_fn done) {
  if (!admit(who, cmd.room_id, cmd.client_id, nullptr, post, done))
    return;
  auto written = on_written(realtime_, about_message(cmd), std::move(post), std::move(done),
                            {"no reply of the assistant streaming with that id",
                             "only who asked, or an admin, may stop this reply"});
  store_.ai_stop(cmd.room_id, cmd.id, who.user_id,
                 [bot = assistant_, room_id = cmd.room_id, id = cmd.id,
                  written = std::move(written)](storage::errc e, storage::written_event w) mutable {
                   if (e == storage::errc::ok && bot)
                     bot->stopped(room_id, id); // here: the node running it cancels the backend call
                   written(e, std::move(w));
                 });
}

void chat_service::read(const command_origin& who, read_command cmd, post_fn post, result_fn done) {
  if (!admit(who, cmd.room_id, cmd.client_id, nullptr, post, done, true))
    return;
  auto base = about_message(cmd);
  store_.mark_read(std::move(cmd.room_id), who.user_id, cmd.id,
                   [rt = realtime_, base = std::move(base), post = std::move(post),
                    done = std::move(done)](storage::errc e, storage::read_state st) mutable {
                     if (e != storage::errc::ok) {
                       base.error = from_store(e);
                       base.message = refusal(e, "no such room", "not a member of this room");
                     } else {
                       if (st.event) {
                         base.seq = st.event->seq;
                         publish_written(rt, base.room_id, *st.event);
                       }
                       base.id = st.last_read;
                       base.data = read_state_json(base.room_id, st.last_read, st.unread, st.mentions);
                     }
                     post([done = std::move(done), r = std::move(base)]() mutable { done(std::move(r)); });
                   });
}

room_signal typing_signal(const std::string& room_id, const std::string& user_id, bool typing,
                          const command_limits& limits) {
  room_signal sig;
  sig.room_id = room_id;
  sig.user_id = user_id;
  sig.kind = "typing";
  sig.end = !typing;
  if (typing)
    sig.data = typing_data_json(room_id, user_id, true);
  sig.end_data = typing_data_json(room_id, user_id, false);
  sig.ttl = limits.typing_ttl;
  sig.throttle = limits.typing_throttle;
  return sig;
}

void chat_service::typing(const command_origin& who, const std::string& room_id, bool typing) {
  if (realtime_ != nullptr && is_room_id(room_id))
    realtime_->signal(typing_signal(room_id, who.user_id, typing, limits_));
}

void chat_service::follow(const command_origin& who, const session_handle& session, std::string room_id,
                          std::int64_t after, post_fn post, status_fn done) {
  if (!is_room_id(room_id)) {
    if (done)
      post([done = std::move(done)] { done(error::not_found, "no such room"); });
    return;
  }
  // The session handle is copied into the callback: the caller's own state is never read on the
  // Redis strand (the connection may end meanwhile; following a closed session is a no-op).
  store_.check_access(who.user_id, room_id,
                      [this, session, room_id, after, post = std::move(post),
                       done = std::move(done)](storage::errc e, storage::room_access a) mutable {
                        std::error_code ec = from_store(e);
                        std::string why;
                        if (ec) {
                          why = std::string{info(ec).message};
                        } else if (a != storage::room_access::member) {
                          ec = a == storage::room_access::not_found ? error::not_found : error::forbidden;
                          why = access_message(a);
                        } else if (realtime_ != nullptr) {
                          realtime_->follow(session, room_id, after);
                        }
                        if (done)
                          post([done = std::move(done), ec, why = std::move(why)] { done(ec, why); });
                      });
}

void chat_service::follow_user_rooms(const std::string& user_id, const session_handle& session,
                                     std::map<std::string, std::int64_t> resume, bool release) {
  store_.user_rooms(user_id, [this, session, user_id, resume = std::move(resume), release](
                               storage::errc e, std::vector<storage::room_summary> rooms) {
    if (realtime_ == nullptr)
      return;
    if (e != storage::errc::ok) {
      if (release)
        realtime_->release(session);
      // The connection stays up; the client's resume / room.join frames still work, and on its
      // next reconnect everything is followed again.
      log::warn("follow_rooms_failed", {{"user_id", user_id}, {"error", storage::to_string(e)}});
      return;
    }
    for (auto& r : rooms) {
      auto it = resume.find(r.id);
      // Without a client cursor the room starts at its head as of now (the list was read just now):
      // whatever is written from here on is delivered.
      realtime_->follow(session, r.id, it == resume.end() ? r.head : it->second);
    }
    if (release)
      realtime_->release(session);
  });
}

void chat_service::publish(const std::string& room_id, storage::written_event w) {
  publish_written(realtime_, room_id, w);
}

void chat_service::check_member(const std::string& user_id, const std::string& room_id, post_fn post,
                                status_fn done) {
  if (!is_room_id(room_id)) {
    post([done = std::move(done)] { done(error::not_found, "no such room"); });
    return;
  }
  store_.check_access(user_id, room_id,
                      [post = std::move(post), done = std::move(done)](storage::errc e, storage::room_access a) {
                        std::error_code ec = from_store(e);
                        std::string why;
                        if (ec)
                          why = std::string{info(ec).message};
                        else if (a != storage::room_access::member) {
                          ec = a == storage::room_access::not_found ? error::not_found : error::forbidden;
                          why = access_message(a);
                        }
                        post([done, ec, why = std::move(why)] { done(ec, why); });
                      });
}

} // namespace chat::actors
