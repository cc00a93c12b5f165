#pragma once
/// A RapidJSON document for the hot path: parsing a client frame, a Pub/Sub envelope or a stored
/// message allocates nothing. Its values and its parse stack live in two buffers of the calling
/// thread; a text too large for them spills into heap chunks that go with the document.
/// `rapidjson::Document` allocated about a dozen times per parse (its allocator, the first
/// value chunk, the growing parse stack): docs/benchmarks.md, session 6.

#include <memory>
#include <string_view>

#include <rapidjson/document.h>

namespace chat::storage {

class json_doc {
public:
  using allocator = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
  /// Its values are plain `rapidjson::Value`s (same value allocator type).
  using document = rapidjson::GenericDocument<rapidjson::UTF8<>, allocator, allocator>;

  /// Binds the thread's buffers; a second document alive on the same thread (never on the hot
  /// path) gets buffers of its own from the heap.
  json_doc();
  ~json_doc();

  json_doc(const json_doc&) = delete;
  json_doc& operator=(const json_doc&) = delete;

  /// Parses `text` (copied into the document: `text` may go away afterwards). Check
  /// `HasParseError()` on the result.
  document& parse(std::string_view text);

  document& operator*() noexcept { return doc_; }
  document* operator->() noexcept { return &doc_; }

  /// Bytes of values a document keeps without touching the heap.
  static constexpr std::size_t value_bytes = 16 * 1024;
  /// Bytes of parse stack (nesting depth × ~16 B per open value) likewise.
  static constexpr std::size_t stack_bytes = 2 * 1024;

  struct buffers; // the two buffers (thread-local, or owned by a nested document)

private:
  std::unique_ptr<buffers> own_; ///< null while the thread's buffers are used
  buffers* buffers_;
  allocator values_;
  allocator stack_;
  document doc_; ///< after its allocators: destroyed first
};

} // namespace chat::storage
