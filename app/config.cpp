// Loading the configuration from the option table: flags, environment, config file, defaults,
// --help and --print-config. Nothing here knows individual options except the four meta options
// (config, print-config, version, help). A default is the bound field's value in node_config{}
// (written once, in the library option struct or in node_config), shown through the row's show().

#include "app/config.hpp"
#include "app/config_ai.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>

#include "common/config_file.hpp"

#ifndef CHAT_VERSION
#define CHAT_VERSION "0.0.0"
#endif
#ifndef CHAT_REVISION
#define CHAT_REVISION "unknown"
#endif

namespace chat::app {

namespace {

constexpr const char* prog = "chatnode";

/// One raw value for one option, with where it came from (for error messages).
struct assignment {
  const option* opt;
  std::string text;
  std::string where; ///< empty, or ` (at FILE:LINE)`
};

const option* find_option(std::string_view name) {
  for (const auto& o : option_table())
    if (o.name == name) return &o;
  return nullptr;
}

bool is_meta(const option& o) {
  return o.name == "config" || o.name == "print-config" || o.name == "version" || o.name == "help";
}

std::string flag_and_env(const option& o) {
  std::string s = "--" + std::string(o.name);
  if (o.sources & from_env) s += " (" + env_name(o.name) + ")";
  return s;
}

std::string shown_value(const option& o, const std::string& text) {
  return o.secret && o.redact ? o.redact(text) : text;
}

/// The built-in configuration: every library option struct and node_config field as initialized.
const node_config& built_in() {
  static const node_config defaults{};
  return defaults;
}

/// The option's built-in default as option text (computed defaults are not computed here).
std::string default_text(const option& o) { return o.show ? o.show(built_in()) : std::string(); }

/// Splits argv into assignments. Returns false after printing an error.
bool parse_argv(int argc, const char* const* argv, std::vector<assignment>& out, std::ostream& err) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (arg.substr(0, 2) != "--" || arg.size() == 2) {
      err << prog << ": unexpected argument \"" << arg << "\" (options start with --; see " << prog
          << " --help)\n";
      return false;
    }
    arg.remove_prefix(2);
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    }
    const option* o = find_option(arg);
    if (!o && arg.substr(0, 3) == "no-" && !value) {
      const option* negated = find_option(arg.substr(3));
      if (negated && negated->type == opt_type::boolean && !is_meta(*negated)) {
        out.push_back({negated, "false", {}});
        continue;
      }
    }
    if (!o || !(o->sources & from_flag)) {
      err << prog << ": unknown option --" << arg << " (see " << prog << " --help)\n";
      return false;
    }
    if (!value) {
      if (o->type == opt_type::boolean) {
        bool ignored = false;
        if (!is_meta(*o) && i + 1 < argc && parse_bool(argv[i + 1], ignored))
          value = argv[++i];
        else
          value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        err << prog << ": option --" << o->name << " needs a value: " << accepted(*o) << "\n";
        return false;
      }
    } else if (is_meta(*o) && o->type == opt_type::boolean) {
      err << prog << ": option --" << o->name << " takes no value\n";
      return false;
    }
    out.push_back({o, std::move(*value), {}});
  }
  return true;
}

/// Reads `name = value` lines (the format: common/config_file.hpp). Returns false after printing an error.
bool parse_file(const std::string& path, std::vector<assignment>& out, std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << prog << ": cannot read config file \"" << path << "\" (--config / CHAT_CONFIG)\n";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = parse_config_file(text.str());
  const auto at = [&](int line) { return " (at " + path + ":" + std::to_string(line) + ")"; };
  for (const auto& e : parsed.entries) {
    const std::string where = at(e.line);
    const option* o = find_option(e.key);
    if (!o) {
      err << prog << ": warning: unknown key \"" << e.key << "\" ignored" << where << "\n";
      continue;
    }
    if (!(o->sources & from_file)) {
      err << prog << ": option " << e.key << " cannot be set in a config file" << where << "\n";
      return false;
    }
    out.push_back({o, e.value, where});
  }
  if (parsed.error_line != 0) {
    err << prog << ": config file line is not `name = value`" << at(parsed.error_line) << "\n";
    return false;
  }
  return true;
}

/// Applies one source: scalars take the last value, lists concatenate within the source and
/// replace what lower sources set. Returns false after printing an error.
bool apply(const std::vector<assignment>& src, std::map<const option*, opt_value>& values, std::ostream& err) {
  std::map<const option*, bool> list_started;
  for (const auto& a : src) {
    if (is_meta(*a.opt) && a.opt->name != "config") continue;
    opt_value v;
    std::string why;
    if (!parse_value(*a.opt, a.text, v, why)) {
      err << prog << ": invalid value for " << flag_and_env(*a.opt) << a.where << ": \""
          << shown_value(*a.opt, a.text) << "\" " << why << "\n";
      return false;
    }
    auto& slot = values[a.opt];
    if (a.opt->type == opt_type::list && list_started[a.opt]) {
      slot.items.insert(slot.items.end(), v.items.begin(), v.items.end());
    } else {
      slot = std::move(v);
      list_started[a.opt] = true;
    }
  }
  return true;
}

void print_help(std::ostream& out) {
  out << "Usage: " << prog << " [OPTIONS]\n\n"
      << "GuideOps Chat Node " << CHAT_VERSION << ": real-time chat server (HTTP API, web client,\n"
      << "Redis storage, Prometheus metrics).\n\n"
      << "Every option can also be set through the environment variable shown, or as `name = value`\n"
      << "in a --config file. Precedence: defaults < config file < environment < command line.\n"
      << "Values: --name=value or --name value; booleans also --name / --no-name; lists are comma\n"
      << "separated (list flags may be repeated); durations like 30s, 5m, 2h, 14d.\n"
      << "Exit codes: 0 clean shutdown, 1 runtime failure (e.g. port in use), 2 bad configuration.\n\n"
      << "Options:\n";
  for (const auto& o : option_table()) {
    std::string head = "  --" + std::string(o.name);
    if (!o.metavar.empty()) head += " " + std::string(o.metavar);
    out << head;
    if (o.sources & from_env) out << std::string(head.size() < 36 ? 36 - head.size() : 1, ' ') << "env " << env_name(o.name);
    out << "\n      " << o.help << "\n";
    if (is_meta(o) && o.name != "config") continue;
    const std::string text = default_text(o);
    std::string def = !o.default_help.empty() ? std::string(o.default_help)
                      : text.empty()          ? std::string("(empty)")
                                              : text;
    out << "      Default: " << def;
    if (o.type != opt_type::string) out << ". Accepts " << accepted(o);
    out << ".\n";
  }
}

void print_config(const node_config& cfg, std::ostream& out) {
  out << "# " << version_line() << ": effective configuration (secrets masked)\n";
  if (!cfg.config_file.empty()) out << "# config file: " << cfg.config_file << "\n";
  for (const auto& o : option_table()) {
    if (is_meta(o) || !o.show) continue;
    out << o.name << " = " << shown_value(o, o.show(cfg)) << "\n";
  }
}

} // namespace

std::string version_line() {
  return std::string(prog) + " " + CHAT_VERSION + " (revision " + CHAT_REVISION + ")";
}

config_action load_config(int argc, const char* const* argv, node_config& cfg, std::ostream& out,
                          std::ostream& err) {
  std::vector<assignment> flags;
  if (!parse_argv(argc, argv, flags, err)) return config_action::error;
  bool want_print = false;
  for (const auto& a : flags) {
    if (a.opt->name == "help") {
      print_help(out);
      return config_action::help;
    }
    if (a.opt->name == "version") {
      out << version_line() << "\n";
      return config_action::version;
    }
    if (a.opt->name == "print-config") want_print = true;
  }

  // Defaults: the fields' built-in values, parsed like user input (so a library default outside
  // the option's range is reported, not run with), or computed at start-up.
  std::vector<assignment> defaults;
  for (const auto& o : option_table()) {
    if (is_meta(o) || !o.set) continue;
    defaults.push_back({&o, o.compute_default ? o.compute_default() : default_text(o), " (built-in default)"});
  }
  // Environment (an empty variable counts as unset).
  std::vector<assignment> env;
  for (const auto& o : option_table()) {
    if (!(o.sources & from_env)) continue;
    const char* v = std::getenv(env_name(o.name).c_str());
    if (v && *v) env.push_back({&o, v, {}});
  }
  std::map<const option*, opt_value> values;
  if (!apply(defaults, values, err)) return config_action::error;
  // Config file: --config wins over CHAT_CONFIG.
  std::string file;
  for (const auto& a : env)
    if (a.opt->name == "config") file = a.text;
  for (const auto& a : flags)
    if (a.opt->name == "config") file = a.text;
  if (!file.empty()) {
    std::vector<assignment> lines;
    if (!parse_file(file, lines, err) || !apply(lines, values, err)) return config_action::error;
  }
  if (!apply(env, values, err) || !apply(flags, values, err)) return config_action::error;

  cfg = node_config{};
  for (const auto& [o, v] : values)
    if (o->set) o->set(cfg, v);
  cfg.config_file = file;
  // Checks across options (the assistant's backend), on a copy: --print-config shows what was given.
  node_config resolved = cfg;
  std::string why;
  if (!cfg.redis_sentinels.empty() && cfg.redis_master_name.empty()) {
    err << prog << ": --redis-sentinels needs --redis-master-name (the name the sentinels monitor)\n";
    return config_action::error;
  }
  if (!resolve_ai(resolved, why)) {
    err << prog << ": " << why << "\n";
    return config_action::error;
  }
  if (want_print) {
    print_config(cfg, out);
    return config_action::print_config;
  }
  cfg = std::move(resolved);
  return config_action::run;
}

} // namespace chat::app
