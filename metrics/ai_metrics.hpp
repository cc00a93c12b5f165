#pragma once
/// The assistant's series (issue #21), registered next to node_metrics' in the same registry.
/// Labels come from fixed sets: `backend` is "openai" or "n8n", `outcome` one of ai::outcome's
/// names or the assistant's own end codes (too_long, timeout, interrupted), `reason` "busy",
/// "rate_limited" or "unavailable". Every accessor is thread-safe (the assistant actor's thread).

#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace chat::metrics {

class ai_metrics {
public:
  /// Registers the families in `registry`.
  explicit ai_metrics(prometheus::Registry& registry);

  ai_metrics(const ai_metrics&) = delete;
  ai_metrics& operator=(const ai_metrics&) = delete;

  /// Replies that ended, by backend and outcome ("ok", "stopped", "upstream", "timeout", …).
  prometheus::Counter& replies(std::string_view backend, std::string_view outcome);
  /// From the trigger to the reply's first text.
  prometheus::Histogram& time_to_first_token(std::string_view backend);
  /// From the trigger to the reply's end.
  prometheus::Histogram& reply_duration(std::string_view backend);
  /// Replies this node runs now (starting or streaming).
  prometheus::Gauge& in_flight() noexcept { return *in_flight_; }
  /// `message.delta` events sent.
  prometheus::Counter& deltas() noexcept { return *deltas_; }
  /// Triggers answered with an error instead of a reply, by reason.
  prometheus::Counter& refused(std::string_view reason);
  /// Orphaned replies (their node died) this node finalized.
  prometheus::Counter& swept() noexcept { return *swept_; }

private:
  prometheus::Family<prometheus::Counter>* replies_family_;
  prometheus::Family<prometheus::Histogram>* ttft_family_;
  prometheus::Family<prometheus::Histogram>* duration_family_;
  prometheus::Family<prometheus::Counter>* refused_family_;
  prometheus::Gauge* in_flight_;
  prometheus::Counter* deltas_;
  prometheus::Counter* swept_;
};

} // namespace chat::metrics
