#include "metrics/ai_metrics.hpp"

#include <string>

namespace chat::metrics {
namespace {

using prometheus::Histogram;

// Model latencies: from 50 ms (a local small model's first token) to 2 minutes (a long reply).
const Histogram::BucketBoundaries& reply_buckets() {
  static const Histogram::BucketBoundaries buckets{0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0};
  return buckets;
}

std::string str(std::string_view s) { return std::string{s}; }

} // namespace

ai_metrics::ai_metrics(prometheus::Registry& reg) {
  using namespace prometheus;
  replies_family_ = &BuildCounter().Name("chatnode_ai_replies_total")
    .Help("Assistant replies that ended, by backend and outcome").Register(reg);
  ttft_family_ = &BuildHistogram().Name("chatnode_ai_time_to_first_token_seconds")
    .Help("From the triggering message to the reply's first text").Register(reg);
  duration_family_ = &BuildHistogram().Name("chatnode_ai_reply_duration_seconds")
    .Help("From the triggering message to the reply's end").Register(reg);
  refused_family_ = &BuildCounter().Name("chatnode_ai_refused_total")
    .Help("Triggers answered with an error instead of a reply (busy, rate_limited, unavailable)").Register(reg);
  in_flight_ = &BuildGauge().Name("chatnode_ai_replies_in_flight")
    .Help("Assistant replies this node runs now").Register(reg).Add({});
  deltas_ = &BuildCounter().Name("chatnode_ai_deltas_total")
    .Help("message.delta events the assistant sent").Register(reg).Add({});
  swept_ = &BuildCounter().Name("chatnode_ai_replies_swept_total")
    .Help("Orphaned replies (their node died) this node finalized as interrupted").Register(reg).Add({});
  for (const char* reason : {"busy", "rate_limited", "unavailable"})
    refused_family_->Add({{"reason", reason}});
}

prometheus::Counter& ai_metrics::replies(std::string_view backend, std::string_view outcome) {
  return replies_family_->Add({{"backend", str(backend)}, {"outcome", str(outcome)}});
}
prometheus::Histogram& ai_metrics::time_to_first_token(std::string_view backend) {
  return ttft_family_->Add({{"backend", str(backend)}}, reply_buckets());
}
prometheus::Histogram& ai_metrics::reply_duration(std::string_view backend) {
  return duration_family_->Add({{"backend", str(backend)}}, reply_buckets());
}
prometheus::Counter& ai_metrics::refused(std::string_view reason) {
  return refused_family_->Add({{"reason", str(reason)}});
}

} // namespace chat::metrics
