#include "storage/sentinel_locator.hpp"

#include <utility>

#include "common/url_authority.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "storage/redis_client.hpp"

namespace chat::storage {

namespace {

constexpr std::uint16_t kSentinelPort = 26379;
constexpr const char* kSwitchMaster = "+switch-master";

/// The next space-separated word of `s` from `pos` (empty at the end).
std::string_view next_word(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && s[pos] == ' ')
    ++pos;
  auto start = pos;
  while (pos < s.size() && s[pos] != ' ')
    ++pos;
  return s.substr(start, pos - start);
}

} // namespace

bool parse_sentinel_list(std::string_view text, std::vector<redis_endpoint>& out, std::string& error) {
  out.clear();
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    url_authority a;
    if (!split_url_authority(item, a, error)) {
      error = "sentinel " + std::to_string(out.size() + 1) + ": " + error;
      return false;
    }
    redis_endpoint ep;
    ep.host = std::string{a.host};
    ep.port = kSentinelPort;
    if (!a.port.empty() && !parse_port(a.port, ep.port)) {
      error = "sentinel " + std::to_string(out.size() + 1) + ": bad port";
      return false;
    }
    out.push_back(std::move(ep));
    if (comma != std::string_view::npos && text.empty()) {
      error = "empty entry after the last comma";
      return false;
    }
  }
  if (out.empty()) {
    error = "no sentinel given";
    return false;
  }
  return true;
}

std::optional<master_address> parse_switch_master(std::string_view payload, std::string_view name) {
  std::size_t pos = 0;
  if (next_word(payload, pos) != name)
    return std::nullopt;
  next_word(payload, pos); // old ip
  next_word(payload, pos); // old port
  master_address m;
  m.host = std::string{next_word(payload, pos)};
  if (m.host.empty() || !parse_port(next_word(payload, pos), m.port))
    return std::nullopt;
  return m;
}

std::shared_ptr<sentinel_locator> sentinel_locator::create(boost::asio::io_context& ioc, sentinel_options opts,
                                                           metrics::node_metrics* metrics) {
  std::shared_ptr<sentinel_locator> l{new sentinel_locator(std::move(opts), metrics)};
  for (const auto& ep : l->opts_.sentinels) {
    // No metrics for the sentinel connections: their role would share the master's series.
    l->sentinels_.push_back({redis_client::create(ioc, ep, nullptr, "sentinel"),
                             redis_client::create(ioc, ep, nullptr, "sentinel-events")});
  }
  return l;
}

sentinel_locator::sentinel_locator(sentinel_options opts, metrics::node_metrics* metrics)
  : opts_(std::move(opts)), metrics_(metrics) {}

void sentinel_locator::start() {
  std::weak_ptr<sentinel_locator> weak = shared_from_this();
  for (auto& s : sentinels_) {
    s.events->set_on_message([weak](std::string_view channel, std::string_view payload) {
      auto self = weak.lock();
      if (!self || channel != kSwitchMaster)
        return;
      if (auto m = parse_switch_master(payload, self->opts_.master_name))
        self->learned(*m, "switch-master");
    });
    // A subscription that was down may have missed a +switch-master: ask again on every (re)connect.
    s.events->set_on_connect([weak] {
      if (auto self = weak.lock())
        self->locate([](bool, master_address) {});
    });
    s.events->subscribe({kSwitchMaster});
    s.command->start();
    s.events->start();
  }
}

void sentinel_locator::stop() {
  for (auto& s : sentinels_) {
    s.command->stop();
    s.events->stop();
  }
}

void sentinel_locator::follow(std::weak_ptr<redis_client> client) {
  std::lock_guard<std::mutex> lock(mutex_);
  followers_.push_back(std::move(client));
}

master_address sentinel_locator::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

void sentinel_locator::locate(located done) {
  std::size_t start = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    start = preferred_;
  }
  ask(start, 0, std::move(done));
}

void sentinel_locator::suspect(const master_address& where) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (checking_)
      return;
    checking_ = true;
  }
  log::warn("redis_master_suspect", {{"master", describe(where)}});
  locate([self = shared_from_this()](bool, master_address) {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->checking_ = false;
  });
}

void sentinel_locator::ask(std::size_t start, std::size_t tried, located done) {
  const auto n = sentinels_.size();
  // Skip the sentinels that are not connected now (a command to them fails at once anyway).
  while (tried < n && !sentinels_[(start + tried) % n].command->connected())
    ++tried;
  if (tried >= n) {
    // None could answer: report it from a strand, never inside the caller's call.
    sentinels_.front().command->post([done = std::move(done)] { done(false, master_address{}); });
    return;
  }
  const auto i = (start + tried) % n;
  sentinels_[i].command->command(
    {"SENTINEL", "get-master-addr-by-name", opts_.master_name}, "SENTINEL",
    [self = shared_from_this(), start, tried, i, done = std::move(done)](redis_reply r) mutable {
      master_address m;
      if (r.is_array() && r.elements.size() == 2 && r.elements[0].is_string() && r.elements[1].is_string()
          && !r.elements[0].str.empty() && parse_port(r.elements[1].str, m.port)) {
        m.host = std::move(r.elements[0].str);
        {
          std::lock_guard<std::mutex> lock(self->mutex_);
          self->preferred_ = i;
        }
        self->learned(m, "query");
        done(true, std::move(m));
        return;
      }
      // A nil answer: this sentinel does not monitor the name; an error or a lost connection: next.
      log::warn("redis_sentinel_no_master", {{"sentinel", storage::describe(self->opts_.sentinels[i])},
                                             {"master_name", self->opts_.master_name},
                                             {"reply", r.is_nil() ? std::string{"nil"} : r.str}});
      self->ask(start, tried + 1, std::move(done));
    });
}

void sentinel_locator::learned(const master_address& m, const char* how) {
  std::vector<std::shared_ptr<redis_client>> tell;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (m == current_)
      return;
    const bool first = current_.port == 0;
    log::info(first ? "redis_master_found" : "redis_master_changed",
              {{"master_name", opts_.master_name}, {"from", first ? std::string{} : describe(current_)},
               {"to", describe(m)}, {"via", how}});
    current_ = m;
    if (first)
      return;
    if (metrics_ != nullptr)
      metrics_->redis_master_changes().Increment();
    for (auto& w : followers_)
      if (auto c = w.lock())
        tell.push_back(std::move(c));
  }
  for (auto& c : tell)
    c->relocate(m);
}

} // namespace chat::storage
