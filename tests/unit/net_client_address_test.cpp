#define CAF_SUITE net_client_address
#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include "net/client_address.hpp"

using namespace chat::net;

namespace {

trusted_proxies trust(std::vector<std::string> entries) {
  std::string error;
  auto t = trusted_proxies::parse(entries, error);
  if (!t)
    CAF_FAIL("trusted_proxies::parse: " << error);
  return *t;
}

std::string xff(std::string_view peer, std::vector<std::string_view> fields, const trusted_proxies& t) {
  forwarding_headers h;
  h.x_forwarded_for = std::move(fields);
  return client_address(peer, h, t);
}

std::string fwd(std::string_view peer, std::vector<std::string_view> fields, const trusted_proxies& t) {
  forwarding_headers h;
  h.forwarded = std::move(fields);
  return client_address(peer, h, t);
}

std::string hop_text(const forwarded_hop& h) { return h ? to_string(*h) : std::string{"-"}; }

std::string hops_text(const std::vector<forwarded_hop>& hops) {
  std::string out;
  for (const auto& h : hops)
    out += (out.empty() ? "" : " ") + hop_text(h);
  return out;
}

} // namespace

CAF_TEST(addresses parse and print canonically) {
  CAF_CHECK_EQUAL(to_string(*parse_ip("192.0.2.1")), "192.0.2.1");
  CAF_CHECK_EQUAL(to_string(*parse_ip("2001:DB8:0:0::1")), "2001:db8::1");
  CAF_CHECK_EQUAL(to_string(*parse_ip("::ffff:192.0.2.7")), "192.0.2.7"); // dual-stack peer → IPv4
  CAF_CHECK(parse_ip("::ffff:192.0.2.7")->v4);
  CAF_CHECK_EQUAL(to_string(*parse_ip("fe80::1%eth0")), "fe80::1");
  for (auto bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "[::1]", "::1:80:", "unknown",
                   "example.com", "1.2.3.4:80"})
    if (parse_ip(bad))
      CAF_FAIL("parse_ip accepted " << bad);
}

CAF_TEST(cidr blocks) {
  std::string error;
  auto n = parse_network("10.0.0.0/8", error);
  CAF_REQUIRE(n);
  CAF_CHECK(n->contains(*parse_ip("10.255.1.2")));
  CAF_CHECK(!n->contains(*parse_ip("11.0.0.1")));
  CAF_CHECK(!n->contains(*parse_ip("::a00:1"))); // an IPv4 block holds no IPv6 address
  CAF_CHECK(n->contains(*parse_ip("::ffff:10.1.2.3")));
  auto n2 = parse_network("172.16.0.0/12", error);
  CAF_REQUIRE(n2);
  CAF_CHECK(n2->contains(*parse_ip("172.31.255.255")));
  CAF_CHECK(!n2->contains(*parse_ip("172.32.0.0")));
  auto v6 = parse_network("fd00::/8", error);
  CAF_REQUIRE(v6);
  CAF_CHECK(v6->contains(*parse_ip("fd12:3456::1")));
  CAF_CHECK(!v6->contains(*parse_ip("fe80::1")));
  auto single = parse_network("192.0.2.9", error);
  CAF_REQUIRE(single);
  CAF_CHECK_EQUAL(single->prefix, 32u);
  CAF_CHECK(single->contains(*parse_ip("192.0.2.9")));
  CAF_CHECK(!single->contains(*parse_ip("192.0.2.8")));
  auto all = parse_network("0.0.0.0/0", error);
  CAF_REQUIRE(all);
  CAF_CHECK(all->contains(*parse_ip("203.0.113.5")));
  auto loopback = parse_network("::1", error);
  CAF_REQUIRE(loopback);
  CAF_CHECK_EQUAL(loopback->prefix, 128u);
  CAF_CHECK(parse_network("2001:db8::/127", error));
}

CAF_TEST(invalid cidr blocks are refused with a reason) {
  std::string error;
  CAF_CHECK(!parse_network("10.0.0.1/8", error));
  CAF_CHECK_EQUAL(error, "\"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)");
  CAF_CHECK(!parse_network("10.0.0.0/33", error));
  CAF_CHECK(error.find("prefix length outside 0..32") != std::string::npos);
  CAF_CHECK(!parse_network("fd00::/129", error));
  CAF_CHECK(!parse_network("10.0.0.0/", error));
  CAF_CHECK(!parse_network("10.0.0.0/-1", error));
  CAF_CHECK(!parse_network("10.0.0.0/x", error));
  CAF_CHECK(!parse_network("ingress", error));
  CAF_CHECK_EQUAL(error, "\"ingress\" is not an IPv4/IPv6 address or CIDR block");
  CAF_CHECK(!trusted_proxies::parse({"10.0.0.0/8", "300.0.0.0/8"}, error));
  CAF_CHECK(error.find("300.0.0.0/8") != std::string::npos);
  CAF_CHECK(trusted_proxies::parse({}, error)->empty());
}

CAF_TEST(x_forwarded_for hops) {
  CAF_CHECK_EQUAL(hops_text(x_forwarded_for_hops("203.0.113.5, 10.0.0.2")), "203.0.113.5 10.0.0.2");
  CAF_CHECK_EQUAL(hops_text(x_forwarded_for_hops(" 203.0.113.5:4711 ,[2001:db8::7]:443,2001:db8::8,, ")),
                  "203.0.113.5 2001:db8::7 2001:db8::8");
  CAF_CHECK_EQUAL(hops_text(x_forwarded_for_hops("unknown, evil, 1.2.3.4:x, [1.2.3.4], 10.0.0.1")), "- - - - 10.0.0.1");
}

CAF_TEST(forwarded hops) {
  CAF_CHECK_EQUAL(hops_text(forwarded_hops("for=192.0.2.60;proto=http;by=203.0.113.43")), "192.0.2.60");
  CAF_CHECK_EQUAL(hops_text(forwarded_hops(R"(for="[2001:db8:cafe::17]:4711", For=198.51.100.17;by=x)")),
                  "2001:db8:cafe::17 198.51.100.17");
  CAF_CHECK_EQUAL(hops_text(forwarded_hops(R"(for=unknown, for="_hidden", proto=https, for="192.0.2.43:47011")")),
                  "- - - 192.0.2.43");
  // A comma inside a quoted string does not split elements; two for= in one element are ambiguous.
  CAF_CHECK_EQUAL(hops_text(forwarded_hops(R"(for="1.2.3.4, 5.6.7.8";by=x, for=9.9.9.9;for=8.8.8.8)")), "- -");
  CAF_CHECK_EQUAL(hops_text(forwarded_hops(R"(for="\[2001:db8::1\]")")), "2001:db8::1");
  CAF_CHECK_EQUAL(hops_text(forwarded_hops("for=[2001:db8::1]")), "2001:db8::1"); // lenient: unquoted
}

CAF_TEST(untrusted peers are the client whatever they send) {
  trusted_proxies nobody;
  CAF_CHECK_EQUAL(xff("198.51.100.1", {"203.0.113.5"}, nobody), "198.51.100.1");
  auto t = trust({"10.0.0.0/8"});
  CAF_CHECK_EQUAL(xff("198.51.100.1", {"203.0.113.5"}, t), "198.51.100.1");
  CAF_CHECK_EQUAL(fwd("198.51.100.1", {"for=203.0.113.5"}, t), "198.51.100.1");
  CAF_CHECK_EQUAL(xff("::ffff:198.51.100.1", {}, t), "198.51.100.1");
  CAF_CHECK_EQUAL(xff("unknown", {"203.0.113.5"}, t), "unknown");
}

CAF_TEST(trusted peers: the rightmost untrusted hop is the client) {
  auto t = trust({"10.0.0.0/8", "fd00::/8"});
  // The ingress appended the client it saw; what the client wrote itself (left of it) is ignored.
  CAF_CHECK_EQUAL(xff("10.1.0.5", {"1.1.1.1, 203.0.113.5"}, t), "203.0.113.5");
  // Two trusted proxies in a row.
  CAF_CHECK_EQUAL(xff("10.1.0.5", {"1.1.1.1, 203.0.113.5, 10.2.0.9"}, t), "203.0.113.5");
  // Several fields are one list, in order.
  CAF_CHECK_EQUAL(xff("10.1.0.5", {"1.1.1.1", "203.0.113.6", "10.2.0.9"}, t), "203.0.113.6");
  // Every hop trusted: the leftmost.
  CAF_CHECK_EQUAL(xff("10.1.0.5", {"10.9.9.9, 10.2.0.9"}, t), "10.9.9.9");
  // No header: the proxy itself.
  CAF_CHECK_EQUAL(xff("10.1.0.5", {}, t), "10.1.0.5");
  // A hop without an address stops the walk at the trusted hop right of it.
  CAF_CHECK_EQUAL(xff("10.1.0.5", {"203.0.113.5, unknown, 10.2.0.9"}, t), "10.2.0.9");
  CAF_CHECK_EQUAL(xff("10.1.0.5", {"garbage"}, t), "10.1.0.5");
  // IPv6 hops and ports.
  CAF_CHECK_EQUAL(xff("fd00::5", {"[2001:db8::1]:5555"}, t), "2001:db8::1");
  // Forwarded when there is no X-Forwarded-For.
  CAF_CHECK_EQUAL(fwd("10.1.0.5", {R"(for=1.1.1.1, for="[2001:db8::9]:1234";proto=https)"}, t), "2001:db8::9");
  CAF_CHECK_EQUAL(fwd("10.1.0.5", {"for=203.0.113.5, for=_proxy1"}, t), "10.1.0.5");
  // X-Forwarded-For wins when both are present.
  forwarding_headers both;
  both.x_forwarded_for = {"203.0.113.7"};
  both.forwarded = {"for=203.0.113.8"};
  CAF_CHECK_EQUAL(client_address("10.1.0.5", both, t), "203.0.113.7");
}

CAF_TEST(rate limit address: ipv6 per slash 64) {
  CAF_CHECK_EQUAL(rate_limit_address("192.0.2.1"), "192.0.2.1");
  CAF_CHECK_EQUAL(rate_limit_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  CAF_CHECK_EQUAL(rate_limit_address("2001:db8:1:2::1"), rate_limit_address("2001:db8:1:2:ffff::9"));
  CAF_CHECK_EQUAL(rate_limit_address("unknown"), "unknown");
}
