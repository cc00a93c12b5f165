#include "storage/json_doc.hpp"

namespace chat::storage {

struct json_doc::buffers {
  alignas(16) char values[value_bytes];
  alignas(16) char stack[stack_bytes];
  bool in_use = false;
};

namespace {

thread_local json_doc::buffers thread_buffers;

/// Heap chunks of a spilling document: big enough for a maximal chat message in one step.
constexpr std::size_t spill_chunk = 64 * 1024;

json_doc::buffers* claim(std::unique_ptr<json_doc::buffers>& own) {
  if (!thread_buffers.in_use) {
    thread_buffers.in_use = true;
    return &thread_buffers;
  }
  own = std::make_unique<json_doc::buffers>();
  return own.get();
}

} // namespace

json_doc::json_doc()
  : buffers_(claim(own_)),
    values_(buffers_->values, value_bytes, spill_chunk),
    stack_(buffers_->stack, stack_bytes, spill_chunk),
    // The parse stack starts with (nearly) the whole stack buffer: it never reallocates for
    // ordinary nesting (the pool allocator keeps a header in the buffer).
    doc_(&values_, stack_bytes / 2, &stack_) {}

json_doc::~json_doc() {
  if (!own_)
    thread_buffers.in_use = false;
}

json_doc::document& json_doc::parse(std::string_view text) {
  doc_.Parse(text.data(), text.size());
  return doc_;
}

} // namespace chat::storage
