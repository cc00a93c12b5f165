// ThreadSanitizer build only (CHAT_TSAN, linked into chatnode and unit_tests by cmake/ChatWarnings.cmake).
//
// Debian's libcaf_core.so is not instrumented, so TSan does not see the happens-before edge that CAF's
// lock-free mailbox gives: everything a sender writes before `send` is visible to the receiving actor
// once it consumes that message (release at the inbox push, acquire at the fetch, both uninstrumented
// atomics inside the .so). Without that edge, every message that reaches an actor which is already
// running is reported as a race between the sender and the handler (hundreds of reports per test file,
// most of them in our own handlers, e.g. reading a std::string the sender built).
//
// These definitions interpose CAF's exported functions (our actors' vtables are emitted in our
// executable; the executable also exports these symbols, so libcaf_core.so's vtables and PLT calls bind
// here too) and forward to the originals, adding exactly the edges CAF's own atomics give:
//  * scheduled_actor::enqueue / consume: per message, release on the mailbox element when it is
//    enqueued, acquire on it when the actor consumes it;
//  * blocking_actor::enqueue / mailbox_visitor (scoped_actor receives, e.g. CAF's own wait_for on
//    its detached printer while ~actor_system runs on main): the same, for blocking actors;
//  * intrusive_ptr_release(_weak)(actor_control_block*): the acq_rel decrement of an actor's strong
//    (weak) reference count, so that the thread dropping the last reference (it destroys the actor's
//    state, then frees the actor) is ordered after everything the actor did (e.g. its cleanup on a
//    CAF worker while main drops the last caf::actor handle at shutdown).
// Nothing else is hidden: every access outside these hand-offs is checked as before.
// Not modelled: CAF's `stealing` scheduler (lock-free job queues); the default `sharing` scheduler
// hands actors to workers under a mutex, which TSan sees. If a CAF update renames a symbol, the
// process aborts at the first call with a message (rather than reporting false races).
#include <caf/actor_control_block.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/scheduled_actor.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

extern "C" {
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);
}

namespace {

template <class Fn>
Fn next_definition(const char* symbol) {
  void* p = dlsym(RTLD_NEXT, symbol);
  if (p == nullptr) {
    std::fprintf(stderr, "tsan caf shim: %s not found in libcaf_core (CAF version changed?)\n", symbol);
    std::abort();
  }
  return reinterpret_cast<Fn>(p);
}

} // namespace

void caf::scheduled_actor::enqueue(mailbox_element_ptr ptr, execution_unit* eu) {
  using fn = void (*)(scheduled_actor*, mailbox_element_ptr, execution_unit*);
  static const fn real = next_definition<fn>(
    "_ZN3caf15scheduled_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8disposerEEPNS_14execution_unitE");
  if (ptr != nullptr) __tsan_release(ptr.get());
  real(this, std::move(ptr), eu);
}

caf::invoke_message_result caf::scheduled_actor::consume(mailbox_element& x) {
  using fn = invoke_message_result (*)(scheduled_actor*, mailbox_element&);
  static const fn real = next_definition<fn>("_ZN3caf15scheduled_actor7consumeERNS_15mailbox_elementE");
  __tsan_acquire(&x);
  return real(this, x);
}

void caf::blocking_actor::enqueue(mailbox_element_ptr ptr, execution_unit* eu) {
  using fn = void (*)(blocking_actor*, mailbox_element_ptr, execution_unit*);
  static const fn real = next_definition<fn>(
    "_ZN3caf14blocking_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8disposerEEPNS_14execution_unitE");
  if (ptr != nullptr) __tsan_release(ptr.get());
  real(this, std::move(ptr), eu);
}

caf::intrusive::task_result caf::blocking_actor::mailbox_visitor::operator()(mailbox_element& x) {
  using fn = intrusive::task_result (*)(mailbox_visitor*, mailbox_element&);
  static const fn real = next_definition<fn>("_ZN3caf14blocking_actor15mailbox_visitorclERNS_15mailbox_elementE");
  __tsan_acquire(&x);
  return real(this, x);
}

void caf::intrusive_ptr_release(actor_control_block* x) {
  using fn = void (*)(actor_control_block*);
  static const fn real = next_definition<fn>("_ZN3caf21intrusive_ptr_releaseEPNS_19actor_control_blockE");
  __tsan_acquire(&x->strong_refs); // strong_refs.fetch_sub(1, acq_rel)
  __tsan_release(&x->strong_refs);
  real(x);
}

void caf::intrusive_ptr_release_weak(actor_control_block* x) {
  using fn = void (*)(actor_control_block*);
  static const fn real = next_definition<fn>("_ZN3caf26intrusive_ptr_release_weakEPNS_19actor_control_blockE");
  __tsan_acquire(&x->weak_refs); // weak_refs.fetch_sub(1, acq_rel)
  __tsan_release(&x->weak_refs);
  real(x);
}
