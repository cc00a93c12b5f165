#include "actors/presence_watch.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace chat::actors {

// -- presence_window ---------------------------------------------------------------------------

void presence_window::add(std::string user_id, frame_ptr frame) {
  if (!user_id.empty()) {
    auto [it, fresh] = index_.try_emplace(user_id, changes_.size());
    if (!fresh) { // the same user again within the window: only its final state goes out
      changes_[it->second].frame = std::move(frame);
      return;
    }
  }
  changes_.push_back(presence_change{std::move(user_id), std::move(frame)});
}

std::vector<presence_change> presence_window::take() {
  index_.clear();
  auto out = std::move(changes_);
  changes_.clear();
  return out;
}

// -- presence_watch ----------------------------------------------------------------------------

void presence_watch::add_session(std::uint64_t conn, std::weak_ptr<client_sink> sink) {
  if (watchers_.count(conn) == 0)
    everyone_.emplace(conn, std::move(sink));
}

void presence_watch::unindex(std::uint64_t conn, const std::string& user) {
  auto it = by_user_.find(user);
  if (it == by_user_.end())
    return;
  auto& conns = it->second;
  auto pos = std::find(conns.begin(), conns.end(), conn);
  if (pos != conns.end()) {
    *pos = conns.back(); // order among a user's watchers does not matter
    conns.pop_back();
  }
  if (conns.empty())
    by_user_.erase(it);
}

void presence_watch::remove_session(std::uint64_t conn) {
  everyone_.erase(conn);
  auto it = watchers_.find(conn);
  if (it == watchers_.end())
    return;
  for (auto& user : it->second.users)
    unindex(conn, user);
  watchers_.erase(it);
  live_.erase(conn);
}

std::vector<std::string> presence_watch::watch(std::uint64_t conn, std::shared_ptr<client_sink> sink,
                                               std::vector<std::string> users) {
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  everyone_.erase(conn);
  auto& w = watchers_[conn];
  if (!w.sink)
    w.sink = std::move(sink);
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::set_difference(users.begin(), users.end(), w.users.begin(), w.users.end(), std::back_inserter(added));
  std::set_difference(w.users.begin(), w.users.end(), users.begin(), users.end(), std::back_inserter(removed));
  for (auto& user : removed)
    unindex(conn, user);
  auto live = live_.find(conn);
  for (auto& user : added) {
    by_user_[user].push_back(conn);
    // A snapshot answers for this user from now on: live changes before this watch do not count.
    if (live != live_.end())
      live->second.erase(std::remove(live->second.begin(), live->second.end(), user), live->second.end());
  }
  w.users = std::move(users);
  return added;
}

void presence_watch::snapshot_started(std::uint64_t conn) {
  if (auto it = watchers_.find(conn); it != watchers_.end())
    ++it->second.reads;
}

std::shared_ptr<client_sink> presence_watch::snapshot_done(std::uint64_t conn, std::vector<presence_row>& rows) {
  auto it = watchers_.find(conn);
  if (it == watchers_.end()) {
    rows.clear();
    return nullptr;
  }
  auto& w = it->second;
  auto live = live_.find(conn);
  auto stale = [&w, &live, this](const presence_row& r) {
    return !std::binary_search(w.users.begin(), w.users.end(), r.id) ||
           (live != live_.end() && std::find(live->second.begin(), live->second.end(), r.id) != live->second.end());
  };
  rows.erase(std::remove_if(rows.begin(), rows.end(), stale), rows.end());
  if (w.reads > 0 && --w.reads == 0 && live != live_.end())
    live_.erase(live); // nothing in flight: no memory kept
  return w.sink;
}

std::size_t presence_watch::deliver(const std::vector<presence_change>& changes) {
  if (changes.empty())
    return 0;
  std::size_t frames = 0;
  if (!everyone_.empty()) {
    std::vector<frame_ptr> all;
    all.reserve(changes.size());
    for (auto& c : changes)
      all.push_back(c.frame);
    auto batch = make_frame_batch(std::move(all));
    for (auto& [conn, weak] : everyone_)
      if (auto sink = weak.lock()) {
        sink->push_events(*batch); // ephemeral: a drop under pressure is fine
        frames += batch->frames.size();
      }
  }
  if (by_user_.empty())
    return frames;
  // Each watcher's frames of this window, watchers in the order the changes first reached them.
  std::vector<watcher*> reached;
  std::unordered_map<watcher*, std::vector<frame_ptr>> out;
  for (auto& c : changes) {
    if (c.user_id.empty())
      continue;
    auto it = by_user_.find(c.user_id);
    if (it == by_user_.end())
      continue;
    for (auto conn : it->second) {
      auto found = watchers_.find(conn);
      if (found == watchers_.end()) { // remove_session() unindexes: an entry here is a bug
        std::fprintf(stderr, "presence_watch: user %s indexed for unknown connection %llu\n",
                     c.user_id.c_str(), static_cast<unsigned long long>(conn));
        std::abort();
      }
      auto& w = found->second;
      auto& frames_of = out[&w];
      if (frames_of.empty())
        reached.push_back(&w);
      frames_of.push_back(c.frame);
      if (w.reads > 0)
        live_[conn].push_back(c.user_id);
    }
  }
  for (auto* w : reached) {
    auto& frames_of = out[w];
    frames += frames_of.size();
    if (frames_of.size() == 1)
      w->sink->push_event(frames_of.front());
    else
      w->sink->push_events(*make_frame_batch(std::move(frames_of)));
  }
  return frames;
}

} // namespace chat::actors
