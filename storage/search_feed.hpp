#pragma once
/// The rooms this node wrote searchable text to (messages, thread replies, edits, an assistant's
/// final reply) since the search indexer last looked: chat_store marks them once Redis confirmed the
/// write, the indexer takes them (chat_store::search_dirty_rooms). A room marked twice is one entry;
/// at most `max_rooms` wait (a room past that is marked again by its next write). Thread-safe.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace chat::storage {

class search_feed {
public:
  static constexpr std::size_t max_rooms = 100000;

  /// Marks one room.
  void mark(const std::string& room_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (rooms_.size() < max_rooms)
      rooms_.insert(room_id);
  }

  /// Marks every room of `room_ids` (one lock for a whole send batch).
  void mark(const std::vector<std::string>& room_ids) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& r : room_ids)
      if (rooms_.size() < max_rooms)
        rooms_.insert(r);
  }

  /// Takes up to `max` marked rooms (any order); the rest stay marked.
  std::vector<std::string> take(std::size_t max) {
    std::vector<std::string> out;
    std::lock_guard<std::mutex> lock(mutex_);
    out.reserve(std::min(max, rooms_.size()));
    for (auto it = rooms_.begin(); it != rooms_.end() && out.size() < max;) {
      out.push_back(std::move(rooms_.extract(it++).value()));
    }
    return out;
  }

private:
  std::mutex mutex_;
  std::unordered_set<std::string> rooms_;
};

} // namespace chat::storage
