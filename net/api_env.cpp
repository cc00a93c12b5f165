#include "net/api_env.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

#include "net/invariant.hpp"

namespace chat::net {

api_env::loop_services& api_env::loop_of(const boost::asio::execution_context& ctx) {
  auto i = io->index_of(ctx);
  CHAT_NET_INVARIANT(i < loops.size(), "a connection outside the node's loops");
  return loops[i];
}

api_env::loop_services& api_env::loop_of(const boost::asio::any_io_executor& ex) {
  return loop_of(boost::asio::query(ex, boost::asio::execution::context));
}

api_env::loop_services& api_env::loop_of(const boost::asio::io_context::executor_type& ex) {
  return loop_of(ex.context());
}

} // namespace chat::net
