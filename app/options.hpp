#pragma once
/// Generic, table-driven option machinery (in the spirit of Redis' config.c): one row per option
/// describes its flag, environment variable, type, range, help text and the field it sets.
/// Everything else (--help, --print-config, flag / env / file parsing, validation, error messages)
/// is derived from the rows. The rows themselves live in config_table.cpp.
///
/// A row holds no default: the default is the bound field's value in a default-constructed
/// node_config, i.e. the member initializer of the library option struct the field lives in
/// (net::server_options, storage::store_options, ...) or, for app-only fields, of node_config.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace chat::app {

struct node_config;

/// Value type of an option.
enum class opt_type {
  string,   ///< free text (a validator may restrict it)
  uint,     ///< unsigned integer in [min, max]
  boolean,  ///< true/false, yes/no, on/off, 1/0; a bare `--flag` means true, `--no-flag` false
  duration, ///< `30s`, `5m`, `2h`, `14d`, `1h30m`, plain seconds or `off` (0); range [min, max] in seconds
  list,     ///< comma-separated; the flag may be repeated
  choice,   ///< one of a fixed set of words
};

/// Where an option may come from.
enum source_bits : unsigned {
  from_flag = 1u,
  from_env = 2u,
  from_file = 4u,
  from_anywhere = from_flag | from_env | from_file,
};

/// A value after parsing (only the member matching the option's type is meaningful).
struct opt_value {
  std::string text;                  ///< string, choice
  std::uint64_t number = 0;          ///< uint
  bool flag = false;                 ///< boolean
  std::chrono::seconds duration{0};  ///< duration
  std::vector<std::string> items;    ///< list
};

/// One row of the option table.
struct option {
  std::string_view name;          ///< long flag without the leading `--` (env: CHAT_<NAME>)
  opt_type type = opt_type::string;
  std::string_view default_help;  ///< shown by --help instead of the field's default (computed defaults)
  std::uint64_t min = 0, max = 0; ///< uint: value range; duration: range in seconds
  std::vector<std::string_view> choices;
  std::string_view metavar;       ///< placeholder in --help (`N`, `URL`, `DURATION`)
  std::string_view help;
  unsigned sources = from_anywhere;
  bool secret = false;            ///< --print-config passes the value through `redact`
  /// Extra check after the type-level parse; returns false and sets `why` (a phrase such as
  /// `is not a redis:// URL (missing host)`) on a bad value.
  std::function<bool(const opt_value&, std::string& why)> validate;
  /// Computes the default at start-up (server id, web root); overrides the field's default.
  std::function<std::string()> compute_default;
  /// Stores a parsed value into the bound field(s); show() formats the bound field as option text
  /// (`set(parse(show(c)))` leaves `c` unchanged). Both come from bind() / also().
  std::function<void(node_config&, const opt_value&)> set;
  std::function<std::string(const node_config&)> show;
  std::function<std::string(const std::string&)> redact; ///< for secret options

  // -- builder helpers (keep the table readable) -------------------------------------------
  option& def_help(std::string_view d) { default_help = d; return *this; }
  option& range(std::uint64_t lo, std::uint64_t hi) { min = lo; max = hi; return *this; }
  option& one_of(std::vector<std::string_view> c) { choices = std::move(c); return *this; }
  option& meta(std::string_view m) { metavar = m; return *this; }
  option& describe(std::string_view h) { help = h; return *this; }
  option& only(unsigned s) { sources = s; return *this; }
  option& check(std::function<bool(const opt_value&, std::string&)> f) { validate = std::move(f); return *this; }
  option& computed(std::function<std::string()> f) { compute_default = std::move(f); return *this; }
  option& masked(std::function<std::string(const std::string&)> f) { secret = true; redact = std::move(f); return *this; }

  /// Binds the option to a field reached from node_config through a chain of pointers to
  /// members, e.g. `bind(&node_config::server, &net::server_options::live,
  /// &net::live_options::max_ws_frame_bytes)`. Field types: bool, integral, std::string, a string
  /// list, or a std::chrono::duration (a `duration` option counts seconds; a `uint` option counts
  /// the field's own unit, e.g. milliseconds for an `-ms` option). Call after opt(name, type).
  template <class... Members>
  option& bind(Members... chain);
  /// The value also goes to a second field (same type rules); show() still reads the first.
  template <class... Members>
  option& also(Members... chain);
};

/// Starts a row.
inline option opt(std::string_view name, opt_type type) {
  option o;
  o.name = name;
  o.type = type;
  return o;
}

// -- value syntax (shared by flags, env and file) ---------------------------------------------

/// `text` without leading and trailing white space.
std::string_view trim(std::string_view text);
/// `redis-url` → `CHAT_REDIS_URL`.
std::string env_name(std::string_view option_name);

/// Parses text as the option's type and checks range and validator. On failure returns false and
/// sets `why` to the phrase that follows the quoted value in the error message.
bool parse_value(const option& o, std::string_view text, opt_value& out, std::string& why);

/// Parses `30s`, `5m`, `2h`, `14d`, `1h30m`, `90` (seconds), `off` (0).
bool parse_duration(std::string_view text, std::chrono::seconds& out);
/// Shortest exact spelling of a duration (`14d`, `90s`, `1h30m`).
std::string format_duration(std::chrono::seconds d);
/// true/false, yes/no, on/off, 1/0 (case-insensitive).
bool parse_bool(std::string_view text, bool& out);
/// Splits a comma list, trimming blanks and dropping empty items.
std::vector<std::string> split_list(std::string_view text);
/// What the option accepts, for messages and --help (`an integer in 1..65535`).
std::string accepted(const option& o);

// -- bind / also -------------------------------------------------------------------------------

namespace detail {

template <class T>
struct is_chrono_duration : std::false_type {};
template <class Rep, class Period>
struct is_chrono_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

/// The field `chain` leads to from `c`: `((c.*m1).*m2)...`.
template <class Config, class... Members>
decltype(auto) field_of(Config& c, Members... chain) {
  return (c .* ... .* chain);
}

/// Stores a parsed value of an option of type `type` into a field of type T.
template <class T>
void store_value(T& x, opt_type type, const opt_value& v) {
  if constexpr (std::is_same_v<T, bool>) {
    x = v.flag;
  } else if constexpr (std::is_integral_v<T>) {
    x = static_cast<T>(v.number);
  } else if constexpr (is_chrono_duration<T>::value) {
    if (type == opt_type::duration)
      x = std::chrono::duration_cast<T>(v.duration);
    else
      x = T{static_cast<typename T::rep>(v.number)};
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    x = v.items;
  } else {
    static_assert(std::is_same_v<T, std::string>, "unsupported option field type");
    x = v.text;
  }
}

/// A field as option text (what --print-config shows and what the default is parsed from).
template <class T>
std::string show_value(const T& x, opt_type type) {
  if constexpr (std::is_same_v<T, bool>) {
    return x ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(x);
  } else if constexpr (is_chrono_duration<T>::value) {
    if (type == opt_type::duration)
      return format_duration(std::chrono::duration_cast<std::chrono::seconds>(x));
    return std::to_string(x.count());
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string out;
    for (const auto& s : x) out += (out.empty() ? "" : ",") + s;
    return out;
  } else {
    return x;
  }
}

template <class... Members>
std::function<void(node_config&, const opt_value&)> make_setter(opt_type type, Members... chain) {
  static_assert(sizeof...(Members) > 0, "bind needs at least one member");
  return [type, chain...](node_config& c, const opt_value& v) { store_value(field_of(c, chain...), type, v); };
}

} // namespace detail

template <class... Members>
option& option::bind(Members... chain) {
  set = detail::make_setter(type, chain...);
  show = [t = type, chain...](const node_config& c) { return detail::show_value(detail::field_of(c, chain...), t); };
  return *this;
}

template <class... Members>
option& option::also(Members... chain) {
  set = [first = std::move(set), second = detail::make_setter(type, chain...)](node_config& c, const opt_value& v) {
    first(c, v);
    second(c, v);
  };
  return *this;
}

} // namespace chat::app
