#pragma once
/// Where actors read missed room events from (storage in production, a fake in unit tests).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace chat::actors {

/// One positioned room event read back from storage: a message or any other kind that takes a
/// place in the room's id sequence (an edit, a delete, ...). Actors never look inside the frame.
struct history_entry {
  std::int64_t id = 0; ///< its position in the room (a message: its id)
  std::string frame;   ///< the client frame `{"type":T,"data":D}`, exactly as delivered live
  std::string audience; ///< the only user whose connections get it ("" = every member)
};

/// CAF inspection, so rows can travel in actor messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_entry& x) {
  return f(caf::meta::type_name("history_entry"), x.id, x.frame, x.audience);
}

class history_source {
public:
  virtual ~history_source() = default;

  /// Up to `limit` events of `room_id` with position > `after`, oldest first (messages in their
  /// current state merged with the room's event log). `done(false, {})` when storage is
  /// unavailable. The callback may run on any thread: it must only send messages.
  virtual void events_after(const std::string& room_id, std::int64_t after, std::int64_t limit,
                              std::function<void(bool ok, std::vector<history_entry>)> done) = 0;

  /// The room's head: its newest position (0 when empty). Same callback rules.
  virtual void head(const std::string& room_id, std::function<void(bool ok, std::int64_t id)> done) = 0;
};

} // namespace chat::actors
