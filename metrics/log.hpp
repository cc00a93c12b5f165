#pragma once
/// Structured logging: one JSON object per line on stdout
/// (`{"ts":"2026-11-25T20:41:26.123Z","level":"info","node":"…","event":"…",…fields}`).
/// Never log secrets (passwords, tokens) or message texts.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace chat::log {

enum class level : int { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Parses "debug", "info", "warn", "error" or "off"; returns false on anything else.
bool parse_level(std::string_view text, level& out);

/// Sets the process-wide minimum level and the server id stamped on every line.
void configure(level min_level, std::string server_id);

/// True when lines at `lvl` are written (cheap; check before building expensive fields).
bool enabled(level lvl) noexcept;

/// A field value: text, integer, floating point or boolean.
using value = std::variant<std::string_view, std::int64_t, double, bool>;

/// One key/value pair of a log line.
struct field {
  std::string_view key;
  value val;
  field(std::string_view k, std::string_view v) : key(k), val(v) {}
  field(std::string_view k, const std::string& v) : key(k), val(std::string_view{v}) {}
  field(std::string_view k, const char* v) : key(k), val(std::string_view{v}) {}
  field(std::string_view k, bool v) : key(k), val(v) {}
  field(std::string_view k, double v) : key(k), val(v) {}
  template <class Int, class = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
  field(std::string_view k, Int v) : key(k), val(static_cast<std::int64_t>(v)) {}
};

/// Writes one line (thread-safe; the line is written with a single write call).
void write(level lvl, std::string_view event, std::initializer_list<field> fields = {});

inline void debug(std::string_view event, std::initializer_list<field> f = {}) { write(level::debug, event, f); }
inline void info(std::string_view event, std::initializer_list<field> f = {}) { write(level::info, event, f); }
inline void warn(std::string_view event, std::initializer_list<field> f = {}) { write(level::warn, event, f); }
inline void error(std::string_view event, std::initializer_list<field> f = {}) { write(level::error, event, f); }

} // namespace chat::log
