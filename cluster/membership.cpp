#include "cluster/membership.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/redis_client.hpp"
#include "storage/script_runner.hpp"

namespace chat::cluster {
namespace {

// ARGV: self, ttl ms → flat {uid, username, …} of users taken offline.
const storage::lua_script tick_script{"cluster_tick", R"lua(
local self, ttl = ARGV[1], ARGV[2]
redis.call('SET', 'chat:node:' .. self .. ':alive', '1', 'PX', ttl)
redis.call('SADD', 'chat:nodes', self)
local nodes = redis.call('SMEMBERS', 'chat:nodes')
local live = {}
for _, n in ipairs(nodes) do
  if n == self or redis.call('EXISTS', 'chat:node:' .. n .. ':alive') == 1 then live[#live + 1] = n end
end
local out = {}
for _, n in ipairs(nodes) do
  if n ~= self and redis.call('EXISTS', 'chat:node:' .. n .. ':alive') == 0 then
    local key = 'chat:node:' .. n .. ':users'
    for _, uid in ipairs(redis.call('SMEMBERS', key)) do
      local held = false
      for _, l in ipairs(live) do
        if redis.call('SISMEMBER', 'chat:node:' .. l .. ':users', uid) == 1 then held = true; break end
      end
      if not held and redis.call('SREM', 'online_users', uid) == 1 then
        local t = redis.call('TIME')
        redis.call('HSET', 'user:' .. uid, 'last_seen', -- the admin panel's "last seen"
          string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
        local name = redis.call('HGET', 'user:' .. uid, 'username') or ''
        redis.call('PUBLISH', 'MESSAGES', cjson.encode({serverId = self, type = 'user.disconnected',
          data = {id = uid, username = name, online = false}}))
        out[#out + 1] = uid
        out[#out + 1] = name
      end
    end
    redis.call('DEL', key)
    -- its connection slots (storage/chat_store_connections.cpp) no longer count against any user
    local ckey = 'chat:node:' .. n .. ':conn_users'
    for _, uid in ipairs(redis.call('SMEMBERS', ckey)) do
      local conns = 'chat:user:' .. uid .. ':conns'
      local kv = redis.call('HGETALL', conns)
      for i = 1, #kv, 2 do
        if kv[i + 1] == n then redis.call('HDEL', conns, kv[i]) end
      end
    end
    redis.call('DEL', ckey)
    redis.call('SREM', 'chat:nodes', n)
  end
end
return out
)lua"};

} // namespace

struct membership::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::io_context& ioc, std::shared_ptr<storage::redis_client> r, std::string id,
       std::chrono::milliseconds iv, std::chrono::milliseconds t, metrics::node_metrics* m,
       std::function<void(std::vector<reaped_user>)> fn)
    : strand(ioc.get_executor()), timer(strand), redis(r), scripts(std::move(r)), server_id(std::move(id)),
      interval(iv), ttl(t), metrics(m), on_reaped(std::move(fn)) {}

  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  boost::asio::steady_timer timer;
  std::shared_ptr<storage::redis_client> redis;
  storage::script_runner scripts;
  std::string server_id;
  std::chrono::milliseconds interval;
  std::chrono::milliseconds ttl;
  metrics::node_metrics* metrics;
  std::function<void(std::vector<reaped_user>)> on_reaped;
  bool stopped = false;

  void tick() {
    if (stopped)
      return;
    auto self = shared_from_this();
    scripts.run(tick_script, {}, {server_id, std::to_string(ttl.count())}, [self](storage::redis_reply r) {
      if (!r.is_array())
        return; // Redis down: the next tick tries again (and our key may expire meanwhile: fine)
      std::vector<reaped_user> gone;
      for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        gone.push_back({r.elements[i].str, r.elements[i + 1].str});
      if (gone.empty())
        return;
      if (self->metrics)
        self->metrics->presence_reaped("node_dead").Increment(static_cast<double>(gone.size()));
      log::info("presence_reaped", {{"users", static_cast<std::int64_t>(gone.size())}});
      self->on_reaped(std::move(gone));
    });
    timer.expires_after(interval);
    timer.async_wait([self](boost::system::error_code ec) {
      if (!ec)
        self->tick();
    });
  }
};

membership::membership(boost::asio::io_context& ioc, std::shared_ptr<storage::redis_client> redis,
                       std::string server_id, std::chrono::milliseconds interval,
                       std::chrono::milliseconds ttl, metrics::node_metrics* metrics,
                       std::function<void(std::vector<reaped_user>)> on_reaped)
  : impl_(std::make_shared<impl>(ioc, std::move(redis), std::move(server_id), interval, ttl, metrics,
                                 std::move(on_reaped))) {}

membership::~membership() { stop(); }

void membership::start() {
  boost::asio::post(impl_->strand, [i = impl_] { i->tick(); });
}

void membership::stop() {
  boost::asio::post(impl_->strand, [i = impl_] {
    if (i->stopped)
      return;
    i->stopped = true;
    i->timer.cancel();
    i->redis->command({"DEL", "chat:node:" + i->server_id + ":alive"}, [](storage::redis_reply) {});
  });
}

} // namespace chat::cluster
