#include "net/api_env.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include "net/invariant.hpp"

namespace chat::net {

api_env::loop_services& api_env::loop_of(const boost::asio::any_io_executor& ex) {
  auto i = io->index_of(boost::asio::query(ex, boost::asio::execution::context));
  CHAT_NET_INVARIANT(i < loops.size(), "a connection outside the node's loops");
  return loops[i];
}

api_env::loop_services& api_env::loop_of(const boost::asio::io_context::executor_type& ex) {
  auto i = io->index_of(ex.context());
  CHAT_NET_INVARIANT(i < loops.size(), "a connection outside the node's loops");
  return loops[i];
}

} // namespace chat::net
