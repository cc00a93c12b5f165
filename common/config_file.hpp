#pragma once
/// The text format of the `--config` file, without the option table (app/ owns that): one
/// `name = value` per line; blank lines and lines starting with `#` or `;` are comments; white space
/// around names and values is dropped; `_` in a name reads as `-` (`redis_url` = `redis-url`); one
/// pair of matching quotes ('…' or "…") around a value is removed. In common/ so that the fuzz
/// target (tests/fuzz) and the unit tests reach it without linking app/.

#include <string>
#include <string_view>
#include <vector>

namespace chat {

/// One `name = value` line.
struct config_entry {
  std::string key;   ///< trimmed, `_` replaced by `-`; may be empty (`= x`): the caller's unknown key
  std::string value; ///< trimmed, matching quotes removed
  int line = 0;      ///< 1-based line number
};

/// The entries of a config file in file order, up to its first line that is not `name = value`.
struct config_file {
  std::vector<config_entry> entries;
  int error_line = 0; ///< the first malformed line (1-based; 0: none): reading stopped there
};

/// Parses the whole text of a config file (lines end in `\n`; a `\r` before it is white space).
config_file parse_config_file(std::string_view text);

} // namespace chat
