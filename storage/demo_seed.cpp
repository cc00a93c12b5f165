#include "storage/demo_seed.hpp"

#include <memory>
#include <string>
#include <vector>

#include "metrics/log.hpp"
#include "storage/chat_store.hpp"
#include "storage/password_hasher.hpp"

namespace chat::storage {

namespace {

/// One asynchronous step: calls its continuation with true to go on, false to abort.
using step = std::function<void(std::function<void(bool)>)>;

/// Runs steps one after another (each starts from the previous one's callback).
struct sequence : std::enable_shared_from_this<sequence> {
  std::vector<step> steps;
  std::size_t next = 0;
  std::function<void(bool)> done;

  void run() {
    if (next == steps.size()) {
      done(true);
      return;
    }
    auto& s = steps[next++];
    s([self = shared_from_this()](bool ok) {
      if (!ok) {
        self->done(false);
        return;
      }
      self->run();
    });
  }
};

const char* const demo_names[] = {"Pablo", "Joe", "Mary", "Alex"};
const char* const greetings[] = {"Hello", "Hi", "Yo", "Hola"};

struct general_line {
  int from; // index into demo_names
  const char* text;
};
const general_line general_lines[] = {
  {0, "Hello!"},
  {1, "Hi, how are you? What about our next meeting?"},
  {2, "Yeah everything is fine"},
  {3, "Next meeting tomorrow 10.00AM"},
  {1, "Wow that's great"},
};

} // namespace

void seed_demo(chat_store& store, password_hasher& hasher, std::function<void(bool ok)> done) {
  auto seq = std::make_shared<sequence>();
  auto ids = std::make_shared<std::vector<std::string>>(4);
  auto* st = &store;
  auto* hs = &hasher;
  seq->done = [done = std::move(done)](bool ok) {
    if (ok)
      log::info("demo_seeded");
    else
      log::error("demo_seed_failed");
    done(ok);
  };
  seq->steps.push_back([st](auto next) {
    st->ensure_schema([next](errc e, bool) { next(e == errc::ok); });
  });
  for (int i = 0; i < 4; ++i) {
    seq->steps.push_back([st, hs, ids, i](auto next) {
      hs->hash("password123", [st, ids, i, next](std::optional<std::string> h) {
        if (!h) {
          next(false);
          return;
        }
        st->create_user(demo_names[i], *h, [st, ids, i, next](errc e, user u) {
          if (e != errc::ok) {
            log::error("demo_seed_user_failed", {{"username", demo_names[i]}, {"error", to_string(e)}});
            next(false);
            return;
          }
          (*ids)[static_cast<std::size_t>(i)] = u.id;
          // Demo accounts have a public password: never let one be an admin.
          if (u.role == "user") {
            next(true);
            return;
          }
          st->set_role(u.id, "user", [next](errc e2, bool) { next(e2 == errc::ok); });
        });
      });
    });
  }
  for (int a = 0; a < 4; ++a) {
    for (int b = a + 1; b < 4; ++b) {
      seq->steps.push_back([st, ids, a, b](auto next) {
        const auto& ua = (*ids)[static_cast<std::size_t>(a)];
        const auto& ub = (*ids)[static_cast<std::size_t>(b)];
        st->create_dm(ua, ub, ua, [st, ids, a, b, next](errc e, dm_result dm) {
          if (e != errc::ok) {
            next(false);
            return;
          }
          // One greeting from each side, the first sent by the second user (as the tutorial does).
          std::string room = dm.room.id;
          const auto& ua2 = (*ids)[static_cast<std::size_t>(a)];
          const auto& ub2 = (*ids)[static_cast<std::size_t>(b)];
          const char* second = greetings[(a + b + 1) % 4];
          st->send_message(room, ub2, greetings[(a + b) % 4], [st, room, ua2, second, next](errc e2, sent_message) {
            if (e2 != errc::ok) {
              next(false);
              return;
            }
            st->send_message(room, ua2, second,
                             [next](errc e3, sent_message) { next(e3 == errc::ok); });
          });
        });
      });
    }
  }
  for (const auto& line : general_lines) {
    seq->steps.push_back([st, ids, line](auto next) {
      st->send_message("0", (*ids)[static_cast<std::size_t>(line.from)], line.text,
                       [next](errc e, sent_message) { next(e == errc::ok); });
    });
  }
  seq->run();
}

} // namespace chat::storage
