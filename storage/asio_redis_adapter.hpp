#pragma once
/// Internal to chat_storage: drives a hiredis 0.14 `redisAsyncContext` from Boost.Asio.
///
/// hiredis asks for read/write readiness through its `ev.*` hooks; the adapter waits on the socket
/// with a `posix::stream_descriptor` whose handlers run on the connection's strand, and calls
/// `redisAsyncHandleRead/Write` from there. hiredis owns the fd: the adapter releases it in `cleanup`.

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

struct redisAsyncContext;

namespace chat::storage::detail {

/// The strand every hiredis call of one connection runs on.
using redis_strand = boost::asio::strand<boost::asio::io_context::executor_type>;

/// Installs the event hooks on `ac` (which must be fresh: no hooks yet) and arms the first write
/// wait so that the connect callback fires. Must run on `strand`. False when the fd cannot be watched.
bool attach_asio(redisAsyncContext* ac, const redis_strand& strand);

} // namespace chat::storage::detail
