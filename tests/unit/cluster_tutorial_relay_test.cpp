#define CAF_SUITE cluster_tutorial_relay

#include "caf/test/unit_test.hpp"

#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "cluster/tutorial_relay.hpp"

using namespace chat::cluster;

namespace {

struct recorder {
  boost::asio::io_context ioc;
  std::vector<std::string> log;
  std::vector<std::function<void()>> pending_adopts; ///< answered by the test, like the store later
  std::unique_ptr<tutorial_relay> make(std::chrono::milliseconds hold = std::chrono::seconds{5}) {
    return std::make_unique<tutorial_relay>(
      ioc,
      [this](const std::string& room, std::int64_t date, std::function<void()> done) {
        log.push_back("adopt " + room + " " + std::to_string(date));
        pending_adopts.push_back(std::move(done));
      },
      [this](std::vector<std::string> users, std::string room, std::string data) {
        log.push_back("show " + room + " " + users.at(0) + "," + users.at(1) + " " + data);
      },
      hold);
  }
};

} // namespace

CAF_TEST(a_message_is_adopted) {
  recorder r;
  auto relay = r.make();
  relay->on_message("0", 1764103286);
  CAF_CHECK_EQUAL(r.log, (std::vector<std::string>{"adopt 0 1764103286"}));
  r.pending_adopts.at(0)();
  CAF_CHECK_EQUAL(r.log.size(), 1u); // no show.room held for General
}

CAF_TEST(show_room_waits_for_the_dms_first_message_to_be_adopted) {
  recorder r;
  auto relay = r.make();
  relay->on_show_room({"1", "2"}, "1:2", "{}");
  CAF_CHECK(r.log.empty());
  relay->on_message("1:2", 1764103286);
  CAF_CHECK_EQUAL(r.log.size(), 1u); // adopting: still held
  r.pending_adopts.at(0)();
  CAF_CHECK_EQUAL(r.log, (std::vector<std::string>{"adopt 1:2 1764103286", "show 1:2 1,2 {}"}));
  relay->on_message("1:2", 1764103287); // later messages: nothing held any more
  r.pending_adopts.at(1)();
  CAF_CHECK_EQUAL(r.log.size(), 3u);
}

CAF_TEST(a_show_room_no_message_follows_goes_out_after_the_hold) {
  recorder r;
  auto relay = r.make(std::chrono::milliseconds{20});
  relay->on_show_room({"1", "2"}, "1:2", "{}");
  r.ioc.run_for(std::chrono::milliseconds{5});
  CAF_CHECK(r.log.empty());
  r.ioc.run_for(std::chrono::milliseconds{100});
  CAF_CHECK_EQUAL(r.log, (std::vector<std::string>{"show 1:2 1,2 {}"}));
  relay->on_message("1:2", 1); // the message comes late: adopted, nothing held any more
  r.pending_adopts.at(0)();
  CAF_CHECK_EQUAL(r.log, (std::vector<std::string>{"show 1:2 1,2 {}", "adopt 1:2 1"}));
}

CAF_TEST(a_show_room_taken_by_its_message_is_not_sent_again_at_the_hold_end) {
  recorder r;
  auto relay = r.make(std::chrono::milliseconds{20});
  relay->on_show_room({"1", "2"}, "1:2", "{}");
  relay->on_message("1:2", 7);
  r.pending_adopts.at(0)();
  r.ioc.run_for(std::chrono::milliseconds{100});
  CAF_CHECK_EQUAL(r.log, (std::vector<std::string>{"adopt 1:2 7", "show 1:2 1,2 {}"}));
}
