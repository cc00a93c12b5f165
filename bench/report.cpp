#include "report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

namespace bench {

namespace {
double ms(std::int64_t us) { return static_cast<double>(us) / 1000.0; }
double round3(double v) { return static_cast<double>(static_cast<std::int64_t>(v * 1000 + 0.5)) / 1000; }
}  // namespace

std::string Report::step(const Step& s, const Stats& st) const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  const double d = s.duration_s > 0 ? s.duration_s : 1;
  w.StartObject();
  w.Key("mode"); w.String(opt_.mode.c_str());
  w.Key("nodes"); w.StartArray();
  for (auto& n : opt_.nodes) w.String((n.host + ":" + std::to_string(n.port)).c_str());
  w.EndArray();
  w.Key("connections"); w.Uint64(s.connections_open);
  w.Key("users"); w.Int(opt_.users);
  w.Key("rooms"); w.Int(opt_.rooms());
  w.Key("room_size"); w.Int(opt_.room_size);
  if (opt_.mode != "idle") {
    w.Key("senders"); w.Int(opt_.senders);
    w.Key("target_rate"); w.Double(round3(s.target_rate));
  }
  w.Key("duration_s"); w.Double(round3(s.duration_s));
  if (opt_.mode != "idle") {
    auto sent = st.sent.load(), delivered = st.delivered.load();
    w.Key("sent"); w.Uint64(sent);
    w.Key("acked"); w.Uint64(st.acked.load());
    w.Key("delivered"); w.Uint64(delivered);
    w.Key("expected"); w.Uint64(st.expected.load());
    w.Key("delivered_per_s"); w.Double(round3(static_cast<double>(delivered) / d));
    w.Key("msgs_per_s"); w.Double(round3(static_cast<double>(sent) / d));
    w.Key("latency_ms"); w.StartObject();
    w.Key("p50"); w.Double(ms(st.latency.percentile(0.50)));
    w.Key("p90"); w.Double(ms(st.latency.percentile(0.90)));
    w.Key("p99"); w.Double(ms(st.latency.percentile(0.99)));
    w.Key("max"); w.Double(ms(st.latency.max()));
    w.EndObject();
  }
  if (s.connect_s >= 0) {
    w.Key("connect_s"); w.Double(round3(s.connect_s));
    // The same latencies split: messages sent while connections were opening, and after.
    for (auto [key, h] : {std::pair{"latency_while_connecting_ms", &st.latency_connecting},
                          std::pair{"latency_while_connecting_to_live_ms", &st.latency_connecting_live},
                          std::pair{"latency_after_connecting_ms", &st.latency_after}}) {
      w.Key(key); w.StartObject();
      w.Key("count"); w.Uint64(h->count());
      w.Key("p50"); w.Double(ms(h->percentile(0.50)));
      w.Key("p99"); w.Double(ms(h->percentile(0.99)));
      w.Key("max"); w.Double(ms(h->max()));
      w.EndObject();
    }
  }
  w.Key("presence"); w.StartObject();
  w.Key("events"); w.Uint64(s.presence_events);
  w.Key("per_connection"); w.Double(round3(s.presence_per_connection));
  w.Key("max_per_connection"); w.Uint64(s.presence_max_per_connection);
  w.EndObject();
  w.Key("errors"); w.StartObject();
  w.Key("rate_limited"); w.Uint64(st.rate_limited.load());
  w.Key("overloaded"); w.Uint64(st.overloaded.load());
  w.Key("other"); w.Uint64(st.other_errors.load());
  w.Key("closed"); w.Uint64(st.closed.load());
  w.Key("connect_failed"); w.Uint64(st.connect_failed.load());
  w.EndObject();
  if (s.bench_cpu_percent >= 0) { w.Key("bench_cpu_percent"); w.Double(round3(s.bench_cpu_percent)); }
  w.Key("servers"); w.StartArray();
  for (auto& sv : s.servers) {
    w.StartObject();
    w.Key("pid"); w.Int(sv.pid);
    if (sv.cpu_percent >= 0) { w.Key("cpu_percent"); w.Double(round3(sv.cpu_percent)); }
    w.Key("rss_kb"); w.Int64(sv.rss_kb);
    w.Key("rss_per_connection_kb"); w.Double(round3(sv.rss_per_connection_kb));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return sb.GetString();
}

std::string Report::sweep_summary(double limit_ms, double best_rate, double best_delivered_per_s,
                                  double best_p99_ms, const std::string& stop_reason, int retried_steps) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("mode"); w.String("sweep_summary");
  w.Key("p99_limit_ms"); w.Double(limit_ms);
  w.Key("best_rate"); w.Double(round3(best_rate));
  w.Key("best_delivered_per_s"); w.Double(round3(best_delivered_per_s));
  w.Key("best_p99_ms"); w.Double(best_p99_ms);
  w.Key("stop_reason"); w.String(stop_reason.c_str());
  w.Key("retried_steps"); w.Int(retried_steps);
  w.EndObject();
  return sb.GetString();
}

}  // namespace bench
