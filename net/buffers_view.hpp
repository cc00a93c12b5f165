#pragma once
/// A ConstBufferSequence over a run of `const_buffer`s owned elsewhere: handing it to an async
/// write copies two pointers, not a vector. The owner must not touch the buffers until the write
/// completes (the transports keep them in the session beside the frames of the write in flight).
/// Private to the net library.

#include <boost/asio/buffer.hpp>

namespace chat::net {

struct buffers_view {
  const boost::asio::const_buffer* first;
  const boost::asio::const_buffer* last;
  const boost::asio::const_buffer* begin() const noexcept { return first; }
  const boost::asio::const_buffer* end() const noexcept { return last; }
};

} // namespace chat::net
