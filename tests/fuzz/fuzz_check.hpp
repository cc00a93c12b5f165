#pragma once
/// What every fuzz target of tests/fuzz shares: FUZZ_CHECK, a property that must hold for every
/// input (a failure aborts: libFuzzer saves the input as a crash), and a cursor that takes the
/// fuzzer's bytes apart (a few control bytes first, the text to parse after them).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

/// Aborts with the failed property and its place when `cond` is false.
#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);  \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

namespace chat::fuzz {

/// The fuzzer's input, consumed from the front.
class input {
public:
  input(const std::uint8_t* data, std::size_t size) noexcept
    : rest_(reinterpret_cast<const char*>(data), size) {}

  /// The next byte (0 once the input is used up).
  std::uint8_t byte() noexcept {
    if (rest_.empty())
      return 0;
    auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  /// The next two bytes, big-endian.
  std::uint16_t u16() noexcept {
    const unsigned hi = byte();
    return static_cast<std::uint16_t>((hi << 8) | byte());
  }

  /// Whatever is left.
  std::string_view rest() const noexcept { return rest_; }

  /// Up to `n` bytes off the front.
  std::string_view take(std::size_t n) noexcept {
    auto out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }

private:
  std::string_view rest_;
};

/// True when `part` lies inside `whole` (a view the parser returned into its input).
inline bool inside(std::string_view part, std::string_view whole) noexcept {
  if (part.empty())
    return true;
  const auto b = reinterpret_cast<std::uintptr_t>(whole.data());
  const auto p = reinterpret_cast<std::uintptr_t>(part.data());
  return p >= b && p + part.size() <= b + whole.size();
}

} // namespace chat::fuzz
