#pragma once
/// The tutorial's demo data, created through the store (so it uses our keys and message ids).

#include <functional>

namespace chat::storage {

class chat_store;
class password_hasher;

/// Creates the demo on an empty Redis (call only when chat_store::is_empty said so): General,
/// users Pablo, Joe, Mary and Alex (password "password123", role "user"), a DM between every pair
/// with one greeting from each side, and five lines in General. Fully asynchronous; `done(ok)` runs
/// once, on a Redis strand or a hasher thread. `store` and `hasher` must outlive the call.
void seed_demo(chat_store& store, password_hasher& hasher, std::function<void(bool ok)> done);

} // namespace chat::storage
