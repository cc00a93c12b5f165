// libFuzzer target: storage/redis_url, the `--redis-url` option
// (`redis://[[user]:password@]host[:port][/db]`).
//
// Input: the URL. An accepted URL's endpoint is in range and describe() reads back as itself.

#include <string>

#include "fuzz_check.hpp"
#include "storage/redis_url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size); // an exactly sized copy
  chat::storage::redis_endpoint ep;
  std::string error;
  if (!chat::storage::parse_redis_url(url, ep, error)) {
    FUZZ_CHECK(!error.empty());
    // The reason never repeats the password (the node logs it).
    return 0;
  }
  FUZZ_CHECK(error.empty());
  FUZZ_CHECK(!ep.host.empty());
  FUZZ_CHECK(ep.port >= 1);
  FUZZ_CHECK(ep.db >= 0 && ep.db <= 15);

  const auto described = chat::storage::describe(ep);
  FUZZ_CHECK(described.find('@') == std::string::npos); // never the credentials
  chat::storage::redis_endpoint again;
  FUZZ_CHECK(chat::storage::parse_redis_url("redis://" + described, again, error));
  FUZZ_CHECK(again.host == ep.host && again.port == ep.port && again.db == ep.db);
  return 0;
}
