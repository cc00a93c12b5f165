#include "cluster/node_stats.hpp"

#include <cmath>
#include <cstdlib>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/json_doc.hpp"

#include "metrics/node_metrics.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/redis_client.hpp"
#include "storage/script_runner.hpp"

namespace chat::cluster {
namespace {

// KEYS stats hash; ARGV ttl ms, field, value, … → 1. Rewrites the hash whole (no stale fields).
const storage::lua_script write_script{"node_stats_write", R"lua(
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
)lua"};

// → {{{id, alive 0|1, {field, value, …}}, …}, online users, total users, channels}
const storage::lua_script read_script{"node_stats_read", R"lua(
local nodes = redis.call('SMEMBERS', 'chat:nodes')
table.sort(nodes)
local out = {}
for _, n in ipairs(nodes) do
  out[#out + 1] = {n, redis.call('EXISTS', 'chat:node:' .. n .. ':alive'),
                   redis.call('HGETALL', 'chat:node:' .. n .. ':stats')}
end
local total = tonumber(redis.call('GET', 'total_users') or '0') or 0
return {out, redis.call('SCARD', 'online_users'), total, redis.call('SCARD', 'chat:channels')}
)lua"};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string whole(double v) { return std::to_string(static_cast<std::int64_t>(std::llround(v))); }

std::int64_t to_int(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer_t& w, const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

/// The errors map of a stats hash (a JSON object text) → written as an object of integers.
void put_errors(writer_t& w, const std::string& text) {
  w.StartObject();
  storage::json_doc parsed;
  auto& d = *parsed;
  if (!text.empty() && !parsed.parse(text).HasParseError() && d.IsObject())
    for (auto& m : d.GetObject())
      if (m.value.IsNumber()) {
        w.Key(m.name.GetString(), m.name.GetStringLength());
        w.Int64(m.value.IsInt64() ? m.value.GetInt64() : static_cast<std::int64_t>(m.value.GetDouble()));
      }
  w.EndObject();
}

std::int64_t int_of(const storage::redis_reply& r) {
  if (r.is_integer())
    return r.integer;
  if (r.is_string())
    return to_int(r.str);
  return 0;
}

} // namespace

struct node_stats::impl : std::enable_shared_from_this<impl> {
  impl(boost::asio::io_context& ioc, std::shared_ptr<storage::redis_client> r, node_stats_options o,
       metrics::node_metrics& m)
    : strand(ioc.get_executor()), timer(strand), redis(r), scripts(std::move(r)), opts(std::move(o)),
      metrics(m), key("chat:node:" + opts.server_id + ":stats"), started_at(now_ms()) {}

  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  boost::asio::steady_timer timer;
  std::shared_ptr<storage::redis_client> redis;
  storage::script_runner scripts;
  node_stats_options opts;
  metrics::node_metrics& metrics;
  std::string key;
  std::int64_t started_at;
  bool stopped = false;

  void tick() {
    if (stopped)
      return;
    auto args = node_stats::sample(metrics, opts.version, started_at, now_ms());
    args.insert(args.begin(), std::to_string(opts.ttl.count()));
    // Redis down: the next tick tries again; meanwhile the hash may expire (the node looks gone).
    scripts.run(write_script, {key}, std::move(args), [](storage::redis_reply) {});
    auto self = shared_from_this();
    timer.expires_after(opts.interval);
    timer.async_wait([self](boost::system::error_code ec) {
      if (!ec)
        self->tick();
    });
  }
};

node_stats::node_stats(boost::asio::io_context& ioc, std::shared_ptr<storage::redis_client> redis,
                       node_stats_options opts, metrics::node_metrics& metrics)
  : impl_(std::make_shared<impl>(ioc, std::move(redis), std::move(opts), metrics)) {}

node_stats::~node_stats() { stop(); }

void node_stats::start() {
  boost::asio::post(impl_->strand, [i = impl_] { i->tick(); });
}

void node_stats::stop() {
  boost::asio::post(impl_->strand, [i = impl_] {
    if (i->stopped)
      return;
    i->stopped = true;
    i->timer.cancel();
    i->redis->command({"DEL", i->key}, [](storage::redis_reply) {});
  });
}

void node_stats::read_cluster(read_fn done) const {
  impl_->scripts.run(read_script, {}, {}, [done = std::move(done)](storage::redis_reply r) {
    auto json = render(r, now_ms());
    if (json.empty())
      return done(false, {});
    done(true, std::move(json));
  });
}

std::vector<std::string> node_stats::sample(metrics::node_metrics& m, const std::string& version,
                                            std::int64_t started_at_ms, std::int64_t now) {
  using metrics::transport;
  // Errors by kind: the chatnode_errors_total series as they are now.
  rapidjson::StringBuffer buf;
  writer_t w(buf);
  w.StartObject();
  for (const auto& family : m.registry().Collect()) {
    if (family.name != "chatnode_errors_total")
      continue;
    for (const auto& metric : family.metric)
      for (const auto& label : metric.label)
        if (label.name == "kind") {
          put(w, label.value);
          w.Int64(static_cast<std::int64_t>(std::llround(metric.counter.value)));
        }
  }
  w.EndObject();

  const double delivered = m.messages_delivered(transport::ws).Value() + m.messages_delivered(transport::sse).Value();
  const double received = m.messages_received(transport::ws).Value() + m.messages_received(transport::http).Value();
  return {"ws",        whole(m.connections(transport::ws).Value()),
          "sse",       whole(m.connections(transport::sse).Value()),
          "persisted", whole(m.messages_persisted().Value()),
          "delivered", whole(delivered),
          "received",  whole(received),
          "rooms",     whole(m.rooms_active().Value()),
          "presence",  whole(m.presence_entries().Value()),
          "errors",    buf.GetString(),
          "version",   version,
          "startedAt", std::to_string(started_at_ms),
          "sampledAt", std::to_string(now)};
}

std::string node_stats::render(const storage::redis_reply& r, std::int64_t now) {
  if (!r.is_array() || r.elements.size() < 4 || !r.elements[0].is_array())
    return {};
  rapidjson::StringBuffer buf;
  writer_t w(buf);
  w.StartObject();
  w.Key("nodes");
  w.StartArray();
  for (const auto& n : r.elements[0].elements) {
    if (!n.is_array() || n.elements.size() < 3 || !n.elements[0].is_string())
      continue;
    std::map<std::string, std::string> f;
    const auto& kv = n.elements[2].elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
      f[kv[i].str] = kv[i + 1].str;
    auto num = [&f](const char* k) { auto it = f.find(k); return it == f.end() ? 0 : to_int(it->second); };
    w.StartObject();
    w.Key("id");
    put(w, n.elements[0].str);
    w.Key("alive");
    w.Bool(int_of(n.elements[1]) == 1);
    w.Key("stats"); // false when the node has not written its hash (yet, or it expired)
    w.Bool(!f.empty());
    w.Key("connections");
    w.StartObject();
    w.Key("ws");
    w.Int64(num("ws"));
    w.Key("sse");
    w.Int64(num("sse"));
    w.EndObject();
    w.Key("messages");
    w.StartObject();
    w.Key("persisted");
    w.Int64(num("persisted"));
    w.Key("delivered");
    w.Int64(num("delivered"));
    w.Key("received");
    w.Int64(num("received"));
    w.EndObject();
    w.Key("rooms");
    w.Int64(num("rooms"));
    w.Key("presence");
    w.Int64(num("presence"));
    w.Key("errors");
    put_errors(w, f["errors"]);
    w.Key("version");
    put(w, f["version"]);
    w.Key("startedAt");
    w.Int64(num("startedAt"));
    w.Key("sampledAt");
    w.Int64(num("sampledAt"));
    w.EndObject();
  }
  w.EndArray();
  w.Key("onlineUsers");
  w.Int64(int_of(r.elements[1]));
  w.Key("totalUsers");
  w.Int64(int_of(r.elements[2]));
  w.Key("channels");
  w.Int64(int_of(r.elements[3]));
  w.Key("generatedAt");
  w.Int64(now);
  w.EndObject();
  return buf.GetString();
}

} // namespace chat::cluster
