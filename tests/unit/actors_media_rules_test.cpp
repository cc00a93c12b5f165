#define CAF_SUITE actors_media_rules

#include "caf/test/unit_test.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "actors/command_rules.hpp"
#include "common/error.hpp"

using namespace chat;
using namespace chat::actors;

namespace {

command_limits limits;

std::string code_of(std::error_code ec) {
  return ec ? std::string{info(ec).code} : std::string{"ok"};
}

std::string file_id(int n) {
  std::string id = "0123456789abcdef0123456789abcde";
  id.push_back("0123456789abcdef"[n % 16]);
  return id;
}

message_location at(double lat, double lon) {
  message_location l;
  l.lat = lat;
  l.lon = lon;
  return l;
}

} // namespace

CAF_TEST(blank_text_is_allowed_only_with_media) {
  std::string why;
  CAF_CHECK_EQUAL(code_of(check_text("", limits, why)), "bad_request");
  CAF_CHECK_EQUAL(code_of(check_text("", limits, why, true)), "ok");
  CAF_CHECK_EQUAL(code_of(check_text("  ", limits, why, true)), "ok");
  CAF_CHECK_EQUAL(code_of(check_text("\xff", limits, why, true)), "bad_request"); // still UTF-8
  CAF_CHECK_EQUAL(code_of(check_text(std::string(4001, 'x'), limits, why, true)), "too_long");
}

CAF_TEST(attachments_are_at_most_ten_distinct_file_ids) {
  std::string why;
  std::vector<std::string> ids;
  CAF_CHECK_EQUAL(code_of(check_attachments(ids, why)), "ok");
  for (int i = 0; i < 10; ++i)
    ids.push_back(file_id(i));
  CAF_CHECK_EQUAL(code_of(check_attachments(ids, why)), "ok");
  ids.push_back(file_id(10));
  CAF_CHECK_EQUAL(code_of(check_attachments(ids, why)), "bad_request");
  CAF_CHECK_EQUAL(why, "a message has at most 10 attachments");
  CAF_CHECK_EQUAL(code_of(check_attachments({file_id(1), file_id(1)}, why)), "bad_request");
  CAF_CHECK_EQUAL(why, "a file is attached at most once");
  CAF_CHECK_EQUAL(code_of(check_attachments({"abc"}, why)), "bad_request");
  CAF_CHECK_EQUAL(why, "attachments must hold file ids");
  CAF_CHECK_EQUAL(code_of(check_attachments({"0123456789ABCDEF0123456789abcdef"}, why)), "bad_request");
  CAF_CHECK_EQUAL(code_of(check_attachments({""}, why)), "bad_request");
}

CAF_TEST(location_ranges) {
  std::string why;
  CAF_CHECK_EQUAL(code_of(check_location(at(0, 0), why)), "ok");
  CAF_CHECK_EQUAL(code_of(check_location(at(-90, 180), why)), "ok");
  CAF_CHECK_EQUAL(code_of(check_location(at(90, -180), why)), "ok");
  CAF_CHECK_EQUAL(code_of(check_location(at(90.0001, 0), why)), "bad_request");
  CAF_CHECK_EQUAL(why, "location.lat must be a number from -90 to 90");
  CAF_CHECK_EQUAL(code_of(check_location(at(0, -180.5), why)), "bad_request");
  CAF_CHECK_EQUAL(why, "location.lon must be a number from -180 to 180");
  CAF_CHECK_EQUAL(code_of(check_location(at(std::nan(""), 0), why)), "bad_request");
  CAF_CHECK_EQUAL(code_of(check_location(at(0, std::numeric_limits<double>::infinity()), why)), "bad_request");
  auto l = at(1, 2);
  l.accuracy = 0;
  CAF_CHECK_EQUAL(code_of(check_location(l, why)), "ok");
  l.accuracy = -1;
  CAF_CHECK_EQUAL(code_of(check_location(l, why)), "bad_request");
  CAF_CHECK_EQUAL(why, "location.accuracy must be a number of metres >= 0");
}

CAF_TEST(location_labels_are_counted_in_code_points) {
  std::string why;
  auto l = at(1, 2);
  l.label = std::string{};
  for (int i = 0; i < 200; ++i)
    *l.label += "é";
  CAF_CHECK_EQUAL(code_of(check_location(l, why)), "ok");
  *l.label += "e";
  CAF_CHECK_EQUAL(code_of(check_location(l, why)), "bad_request");
  CAF_CHECK_EQUAL(why, "location.label must be valid UTF-8 of at most 200 characters");
  l.label = "\xc3";
  CAF_CHECK_EQUAL(code_of(check_location(l, why)), "bad_request");
}

CAF_TEST(location_json_writes_numbers_as_numbers) {
  CAF_CHECK_EQUAL(location_json(at(48.8566, 2.3522)), R"({"lat":48.8566,"lon":2.3522})");
  auto l = at(-33, 151.2);
  l.accuracy = 12.5;
  l.label = "Quay \"A\"";
  CAF_CHECK_EQUAL(location_json(l), R"({"lat":-33,"lon":151.2,"accuracy":12.5,"label":"Quay \"A\""})");
  CAF_CHECK_EQUAL(location_json(at(-0.0, 0)), R"({"lat":0,"lon":0})");
}
