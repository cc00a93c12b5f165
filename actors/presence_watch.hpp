#pragma once
/// Who gets which presence frames: plain state of the presence actor (unit-tested without actors).
///
/// A connection either gets **everyone's** presence (`user.connected` / `user.disconnected` of
/// every user: the tutorial's behaviour, the default) or **watches** a set of users
/// (`presence.watch`, or `/ws?presence=watch` from the start): then only theirs. Watchers are
/// indexed by user (user → connections watching it), so a window of changes costs
/// O(changes + deliveries), not O(changes × connections). A connection that never watches costs
/// one entry in `everyone_`; a watching one its set and one index entry per watched user.
///
/// Snapshots: after a watch the presence actor reads the newly watched users' state from storage
/// and sends it as one `presence` event. A live change delivered while that read is in flight is
/// newer than (or as new as) what the read may return, so the snapshot leaves such users out.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/client_sink.hpp"
#include "actors/frame.hpp"
#include "common/string_hash.hpp"

namespace chat::actors {

/// One presence change: the user (empty when unknown: only everyone-connections get it) and its
/// client frame.
struct presence_change {
  std::string user_id;
  frame_ptr frame;
};

/// The changes of one broadcast window, at most one per user: a later change of the same user
/// replaces the earlier one (its final state; connected-then-disconnected is one frame).
class presence_window {
public:
  /// Adds a change (an empty user id is kept as it is, never merged).
  void add(std::string user_id, frame_ptr frame);

  bool empty() const noexcept { return changes_.empty(); }

  /// The window's changes in order of first appearance; the window is empty afterwards.
  std::vector<presence_change> take();

private:
  std::vector<presence_change> changes_;
  std::unordered_map<std::string, std::size_t> index_; ///< user → its place in changes_
};

class presence_watch {
public:
  /// A session started: it gets everyone's presence unless it watches already (a watch may come
  /// before the shard's connect).
  void add_session(std::uint64_t conn, std::weak_ptr<client_sink> sink);

  /// A session ended: it leaves every index.
  void remove_session(std::uint64_t conn);

  /// Replaces the watch set of `conn` by `users` (deduplicated here; an empty set watches nobody):
  /// it no longer gets everyone's presence. Answers the users that were not watched before, sorted.
  /// The connection's first `sink` is kept (its sinks are interchangeable: each forwards to the
  /// same connection), so that it may share the one its session holds.
  std::vector<std::string> watch(std::uint64_t conn, std::shared_ptr<client_sink> sink,
                                 std::vector<std::string> users);

  /// A snapshot read for `conn` started (after a watch).
  void snapshot_started(std::uint64_t conn);

  /// The snapshot read answered: keeps in `rows` the users still watched whose state no live
  /// change delivered since they were watched. Answers the connection's sink (null when it ended).
  std::shared_ptr<client_sink> snapshot_done(std::uint64_t conn, std::vector<presence_row>& rows);

  /// Delivers one window: every change to every everyone-connection (one batch each), and each
  /// watcher the changes of the users it watches (one frame, or one batch). Answers the frames
  /// handed to sinks.
  std::size_t deliver(const std::vector<presence_change>& changes);

  std::size_t everyone_count() const noexcept { return everyone_.size(); }
  std::size_t watcher_count() const noexcept { return watchers_.size(); }
  /// Distinct users watched by at least one connection.
  std::size_t watched_users() const noexcept { return by_user_.size(); }

private:
  /// One per watching connection (an 80-byte hash-map node): what is needed only while a
  /// snapshot is read is in live_, this window's frames are local to deliver().
  struct watcher {
    std::shared_ptr<client_sink> sink;
    std::vector<std::string> users; ///< sorted, unique
    std::uint32_t reads = 0;        ///< snapshot reads in flight
  };

  void unindex(std::uint64_t conn, const std::string& user);

  std::unordered_map<std::uint64_t, std::weak_ptr<client_sink>> everyone_;
  std::unordered_map<std::uint64_t, watcher> watchers_;
  /// Per watcher with snapshot reads in flight (reads > 0): the users a live change reached
  /// meanwhile (their snapshot rows are stale). No entry otherwise.
  std::unordered_map<std::uint64_t, std::vector<std::string>> live_;
  std::unordered_map<std::string, std::vector<std::uint64_t>, string_hash> by_user_;
};

} // namespace chat::actors
