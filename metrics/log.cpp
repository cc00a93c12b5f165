#include "metrics/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace chat::log {
namespace {

std::atomic<int> min_level_{static_cast<int>(level::info)};
std::mutex config_mutex_;
std::string server_id_ = "unset";

const char* level_name(level lvl) {
  switch (lvl) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    case level::off: break;
  }
  return "off";
}

void write_timestamp(rapidjson::Writer<rapidjson::StringBuffer>& w) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  auto n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         static_cast<int>(millis));
  w.String(buf, static_cast<rapidjson::SizeType>(n));
}

} // namespace

bool parse_level(std::string_view text, level& out) {
  static constexpr std::pair<std::string_view, level> names[] = {
    {"debug", level::debug}, {"info", level::info}, {"warn", level::warn},
    {"error", level::error}, {"off", level::off}};
  for (auto& [name, lvl] : names)
    if (name == text) {
      out = lvl;
      return true;
    }
  return false;
}

void configure(level min_level, std::string server_id) {
  std::lock_guard<std::mutex> guard{config_mutex_};
  min_level_ = static_cast<int>(min_level);
  server_id_ = std::move(server_id);
}

bool enabled(level lvl) noexcept {
  return static_cast<int>(lvl) >= min_level_.load(std::memory_order_relaxed) && lvl != level::off;
}

void write(level lvl, std::string_view event, std::initializer_list<field> fields) {
  if (!enabled(lvl))
    return;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("ts");
  write_timestamp(w);
  w.Key("level");
  w.String(level_name(lvl));
  {
    std::lock_guard<std::mutex> guard{config_mutex_};
    w.Key("node");
    w.String(server_id_.data(), static_cast<rapidjson::SizeType>(server_id_.size()));
  }
  w.Key("event");
  w.String(event.data(), static_cast<rapidjson::SizeType>(event.size()));
  for (const auto& f : fields) {
    w.Key(f.key.data(), static_cast<rapidjson::SizeType>(f.key.size()));
    std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>)
          w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
        else if constexpr (std::is_same_v<T, std::int64_t>)
          w.Int64(v);
        else if constexpr (std::is_same_v<T, double>)
          w.Double(v);
        else
          w.Bool(v);
      },
      f.val);
  }
  w.EndObject();
  std::string line{buf.GetString(), buf.GetSize()};
  line.push_back('\n');
  // One write(2) per line keeps concurrent lines from interleaving (lines are far below PIPE_BUF
  // in practice; longer lines can interleave only with other long lines).
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    auto n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0)
      return; // stdout closed: logging must never take the node down
    p += n;
    left -= static_cast<size_t>(n);
  }
}

} // namespace chat::log
