#pragma once
#include <string>
#include <vector>

#include "options.hpp"

namespace bench {

// Prepares the server state over HTTP with --http-concurrency blocking workers: registers each
// user <prefix>-<i> (409 -> login), then creates the channels (409 -> look the id up) and joins
// every member. Users and rooms are reused across runs with the same prefix and room size.
class HttpSetup {
 public:
  explicit HttpSetup(const Options& opt) : opt_(opt) {}

  void run();  // throws std::runtime_error on failure

  std::vector<std::string> tokens;      // per user
  std::vector<std::string> user_ids;    // per user
  std::vector<std::string> room_ids;    // per room ("0" = General)
  std::vector<int> room_of_user;        // per user, index into room_ids

 private:
  struct Response {
    int status = 0;
    std::string body;
    std::string token;  // from Set-Cookie chat_session
  };
  class Conn;
  template <class Task>
  void parallel(int count, Task task);
  Response request(Conn& c, const char* method, const std::string& target, const std::string& body,
                   const std::string& token);
  std::string username(int i) const;
  std::string room_name(int r) const;

  const Options& opt_;
};

}  // namespace bench
