#pragma once
// Collects the callbacks of one backend reply (they arrive on the backend's I/O thread) for a test,
// with bounded waits.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "ai/backend.hpp"

namespace ai_test {

class collector {
public:
  using clock = std::chrono::steady_clock;

  chat::ai::stream_handler handler() {
    chat::ai::stream_handler h;
    h.on_text = [this](std::string_view piece) {
      std::lock_guard<std::mutex> lock{m_};
      texts_.emplace_back(piece);
      text_times_.push_back(clock::now());
      cv_.notify_all();
    };
    h.on_end = [this](chat::ai::outcome how, std::string_view detail) {
      std::lock_guard<std::mutex> lock{m_};
      ++ends_;
      how_ = how;
      detail_ = std::string{detail};
      ended_at_ = clock::now();
      cv_.notify_all();
    };
    return h;
  }

  bool wait_end(std::chrono::milliseconds limit = std::chrono::seconds{3}) {
    std::unique_lock<std::mutex> lock{m_};
    return cv_.wait_for(lock, limit, [this] { return ends_ > 0; });
  }

  bool wait_texts(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds{3}) {
    std::unique_lock<std::mutex> lock{m_};
    return cv_.wait_for(lock, limit, [&] { return texts_.size() >= n; });
  }

  std::vector<std::string> texts() {
    std::lock_guard<std::mutex> lock{m_};
    return texts_;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock{m_};
    std::string s;
    for (const auto& t : texts_)
      s += t;
    return s;
  }
  int ends() {
    std::lock_guard<std::mutex> lock{m_};
    return ends_;
  }
  std::string how() {
    std::lock_guard<std::mutex> lock{m_};
    return std::string{to_string(how_)};
  }
  std::string detail() {
    std::lock_guard<std::mutex> lock{m_};
    return detail_;
  }
  clock::time_point ended_at() {
    std::lock_guard<std::mutex> lock{m_};
    return ended_at_;
  }
  std::vector<clock::time_point> text_times() {
    std::lock_guard<std::mutex> lock{m_};
    return text_times_;
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::string> texts_;
  std::vector<clock::time_point> text_times_;
  int ends_ = 0;
  chat::ai::outcome how_ = chat::ai::outcome::ok;
  std::string detail_;
  clock::time_point ended_at_{};
};

} // namespace ai_test
