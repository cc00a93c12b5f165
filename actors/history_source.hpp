#pragma once
/// Where actors read missed messages from (storage in production, a fake in unit tests).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace chat::actors {

/// One message read back from storage.
struct history_entry {
  std::int64_t id = 0;
  std::string json; ///< normalised message JSON
};

/// CAF inspection, so rows can travel in actor messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_entry& x) {
  return f(caf::meta::type_name("history_entry"), x.id, x.json);
}

class history_source {
public:
  virtual ~history_source() = default;

  /// Up to `limit` messages of `room_id` with id > `after`, oldest first. `done(false, {})` when
  /// storage is unavailable. The callback may run on any thread: it must only send messages.
  virtual void messages_after(const std::string& room_id, std::int64_t after, std::int64_t limit,
                              std::function<void(bool ok, std::vector<history_entry>)> done) = 0;

  /// The id of the newest message of `room_id` (0 when empty). Same callback rules.
  virtual void head(const std::string& room_id, std::function<void(bool ok, std::int64_t id)> done) = 0;
};

} // namespace chat::actors
