#pragma once
/// A string hash for unordered containers that hold many small nodes.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace chat {

/// The same hash as std::hash<std::string>, under a type of our own: libstdc++ then stores no hash
/// in each node of an unordered container (it does for std::hash<std::string>, which it counts as
/// slow), 8 bytes less per node. Keys are short ids here, so recomputing a hash when the table
/// grows costs little.
struct string_hash {
  std::size_t operator()(const std::string& s) const noexcept { return std::hash<std::string_view>{}(s); }
};

} // namespace chat
