// THE option table of chatnode: every option, in --help order. Add an option here, bound to its
// field: a member of a library option struct held by node_config (net::server_options,
// storage::store_options, ...) or an app-only field of node_config. Flags, CHAT_* environment
// variables, config-file keys, --help and --print-config follow from the row; the default is the
// field's initializer, never written here (computed defaults excepted: server id, web root).

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <random>
#include <system_error>

#include "app/config.hpp"
#include "app/config_ai.hpp"
#include "common/text.hpp"
#include "net/client_address.hpp"
#include "storage/redis_url.hpp"
#include "storage/sentinel_locator.hpp"

namespace chat::app {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kDay = 86400;

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// -- computed defaults -------------------------------------------------------------------------

std::string default_server_id() {
  std::array<char, 256> host{};
  std::string name = gethostname(host.data(), host.size() - 1) == 0 ? host.data() : "chatnode";
  for (auto& c : name)
    if (!name_char(c)) c = '-';
  if (name.empty()) name = "chatnode";
  if (name.size() > 40) name.resize(40);
  std::random_device rd;
  std::uniform_int_distribution<unsigned> dist(0, 0xFFFFFF);
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", dist(rd));
  return name + "-" + suffix;
}

/// The `web/` folder next to the binary: build tree (build/<dir>/app/chatnode), install tree
/// (<prefix>/bin/chatnode → <prefix>/share/chatnode/web), the source tree, then the system path.
std::string default_web_root() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    const auto dir = exe.parent_path();
    candidates = {dir / ".." / "web", dir / ".." / ".." / "web", dir / ".." / ".." / ".." / "web",
                  dir / ".." / "share" / "chatnode" / "web"};
  }
#ifdef CHAT_SOURCE_WEB_ROOT
  candidates.emplace_back(CHAT_SOURCE_WEB_ROOT);
#endif
  candidates.emplace_back("/usr/share/chatnode/web");
  for (const auto& c : candidates) {
    if (fs::is_directory(c, ec)) {
      const auto canon = fs::weakly_canonical(c, ec);
      return ec ? c.string() : canon.string();
    }
  }
  return {};
}

// -- validators ---------------------------------------------------------------------------------

bool valid_redis_url(const opt_value& v, std::string& why) {
  storage::redis_endpoint ep;
  std::string error;
  if (storage::parse_redis_url(v.text, ep, error)) return true;
  why = "is not a valid redis://[[user]:password@]host[:port][/db] URL (" + error + ")";
  return false;
}

bool valid_sentinels_or_empty(const opt_value& v, std::string& why) {
  std::vector<storage::redis_endpoint> eps;
  std::string error;
  if (v.text.empty() || storage::parse_sentinel_list(v.text, eps, error)) return true;
  why = "is not a host:port,host:port list of sentinels (" + error + ")";
  return false;
}

bool valid_ip(const opt_value& v, std::string& why) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, v.text.c_str(), buf) == 1 || inet_pton(AF_INET6, v.text.c_str(), buf) == 1)
    return true;
  why = "is not an IPv4 or IPv6 address (e.g. 0.0.0.0, 127.0.0.1, ::)";
  return false;
}

bool valid_link_or_empty(const opt_value& v, std::string& why) {
  const auto& t = v.text;
  bool web = t.rfind("https://", 0) == 0 || t.rfind("http://", 0) == 0;
  if (t.empty() || (web && t.size() <= 2048 && t.find_first_of(" \"<>\\") == std::string::npos &&
                    std::none_of(t.begin(), t.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })))
    return true;
  why = "is not an http(s) URL without spaces, quotes or control characters (at most 2048 bytes)";
  return false;
}

bool valid_bot_name(const opt_value& v, std::string& why) {
  if (is_valid_username(v.text))
    return true;
  why = "is not a username (2-32 characters of A-Z a-z 0-9 _ . -)";
  return false;
}

bool valid_server_id(const opt_value& v, std::string& why) {
  bool ok = !v.text.empty() && v.text.size() <= 64;
  for (char c : v.text) ok = ok && name_char(c);
  if (!ok) why = "is not 1-64 characters of A-Z a-z 0-9 _ . -";
  return ok;
}

bool valid_usernames(const opt_value& v, std::string& why) {
  for (const auto& n : v.items) {
    bool ok = n.size() >= 2 && n.size() <= 32;
    for (char c : n) ok = ok && name_char(c);
    if (!ok) {
      why = "contains \"" + n + "\", which is not a username (2-32 of A-Z a-z 0-9 _ . -)";
      return false;
    }
  }
  return true;
}

bool valid_origins(const opt_value& v, std::string& why) {
  for (const auto& o : v.items) {
    const auto scheme_end = o.find("://");
    const auto scheme = o.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
    const bool ok = (scheme == "http" || scheme == "https") && o.size() > scheme_end + 3 &&
                    o.find('/', scheme_end + 3) == std::string::npos;
    if (!ok) {
      why = "contains \"" + o + "\", which is not an origin like https://chat.example.com[:port]";
      return false;
    }
  }
  return true;
}

bool valid_networks(const opt_value& v, std::string& why) {
  if (net::trusted_proxies::parse(v.items, why)) return true;
  why = "is not a list of CIDR blocks: " + why + " (expected e.g. 10.0.0.0/8, fd00::/8, 192.0.2.7)";
  return false;
}

bool valid_dir_or_empty(const opt_value& v, std::string& why) {
  std::error_code ec;
  if (v.text.empty() || fs::is_directory(v.text, ec)) return true;
  why = "is not a directory";
  return false;
}

/// `redis://user:secret@host/0` → `redis://user:***@host/0`.
std::string mask_url_password(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto rest = url.substr(scheme_end + 3);
  const auto at = rest.rfind('@');
  if (at == std::string::npos) return url;
  const auto userinfo = rest.substr(0, at);
  const auto colon = userinfo.find(':');
  const auto masked = colon == std::string::npos ? std::string("***") : userinfo.substr(0, colon) + ":***";
  return url.substr(0, scheme_end + 3) + masked + rest.substr(at);
}

std::vector<option> make_table() {
  using t = opt_type;
  // Where the rows' fields live (each default is the field's initializer there).
  using cfg = node_config;
  using srv = net::server_options;
  using live = net::live_options;
  using upl = net::upload_options;
  using store = storage::store_options;
  using cmd = actors::command_limits;
  using rt = actors::realtime_options;
  using asst = actors::assistant_options;
  std::vector<option> rows;
  auto add = [&rows](option o) { rows.push_back(std::move(o)); };

  // -- listeners
  add(opt("bind", t::string).meta("ADDR").check(valid_ip).bind(&cfg::server, &srv::bind)
        .describe("Address both listeners (client and internal port) bind to."));
  add(opt("port", t::uint).range(0, 65535).meta("PORT").bind(&cfg::server, &srv::port)
        .describe("Client port: HTTP API and web client (0 = any free port)."));
  add(opt("internal-port", t::uint).range(0, 65535).meta("PORT")
        .bind(&cfg::server, &srv::internal_port)
        .describe("Internal port: /livez, /readyz, /healthz, /metrics (0 = any free port)."));
  add(opt("web-root", t::string).computed(default_web_root)
        .def_help("web/ next to the binary: <exe>/../web, <exe>/../../web, ..., /usr/share/chatnode/web")
        .meta("DIR").check(valid_dir_or_empty).bind(&cfg::server, &srv::web_root)
        .describe("Folder of the web client served at / (empty = serve no static files)."));
  add(opt("allowed-origins", t::list).meta("LIST").check(valid_origins).bind(&cfg::server, &srv::allowed_origins)
        .describe("Comma list of extra browser origins allowed to call the API (empty = same origin only)."));
  add(opt("trusted-proxies", t::list).meta("CIDRS").check(valid_networks)
        .bind(&cfg::server, &srv::trusted_proxies)
        .describe("Comma list of CIDR blocks of reverse proxies (e.g. the ingress controller's pods) whose "
                  "X-Forwarded-For (or Forwarded) header names the client address used for rate limits and logs: "
                  "the rightmost address not in these blocks is the client. Empty = trust nobody (the TCP peer is "
                  "the client); never list blocks that clients connect from directly."));
  add(opt("cookie-secure", t::boolean).bind(&cfg::server, &srv::cookie_secure)
        .describe("Add `Secure` to the session cookie (set it when clients use HTTPS)."));
  // -- Redis and identity
  add(opt("redis-url", t::string).meta("URL").check(valid_redis_url)
        .bind(&cfg::redis_url).masked(mask_url_password)
        .describe("Redis to use: redis://[[user]:password@]host[:port][/db]. With --redis-sentinels only its "
                  "user, password and database are used: the sentinels name the master."));
  add(opt("redis-sentinels", t::string).meta("LIST").check(valid_sentinels_or_empty).bind(&cfg::redis_sentinels)
        .describe("Redis Sentinel: comma list of sentinels (host:port, port 26379 by default). The node asks them "
                  "for the master of --redis-master-name, follows failovers (+switch-master, READONLY, a lost "
                  "master) and checks with ROLE that it talks to the master. Empty: no Sentinel."));
  add(opt("redis-master-name", t::string).meta("NAME").bind(&cfg::redis_master_name)
        .describe("The name the sentinels monitor the master under (required with --redis-sentinels)."));
  add(opt("redis-sentinel-password", t::string).meta("PASSWORD").bind(&cfg::redis_sentinel_password)
        .masked([](const std::string& s) { return s.empty() ? s : std::string{"***"}; })
        .describe("Password the sentinels require (their requirepass; empty: none). Prefer the environment."));
  add(opt("redis-min-replicas-acked", t::uint).range(0, 16).meta("N").bind(&cfg::store, &store::min_replicas_acked)
        .describe("Ack a chat message only after Redis WAIT confirmed its write on N replicas (one WAIT per send "
                  "batch); otherwise the sender gets error not_replicated (503) after "
                  "--redis-replica-ack-timeout-ms. With N >= 1 a master failover loses no acked message. 0: no WAIT."));
  add(opt("redis-replica-ack-timeout-ms", t::uint).range(1, 60000).meta("MS")
        .bind(&cfg::store, &store::replica_ack_timeout)
        .describe("How long WAIT waits for --redis-min-replicas-acked replicas (the node's Redis commands "
                  "wait behind it on the same connection)."));
  add(opt("server-id", t::string).computed(default_server_id).def_help("<hostname>-<6 random hex digits>")
        .meta("ID").check(valid_server_id).bind(&cfg::server_id).also(&cfg::store, &store::server_id)
        .describe("Name of this node in logs, metrics and Pub/Sub envelopes (unique per node)."));
  add(opt("admin", t::list).meta("USER").check(valid_usernames).bind(&cfg::admins)
        .describe("Username that gets the admin role (repeatable or comma list); existing users are promoted at start."));
  add(opt("seed-demo", t::boolean).bind(&cfg::seed_demo)
        .describe("When Redis holds no users, create the tutorial demo (Pablo, Joe, Mary, Alex / password123)."));
  add(opt("tutorial-pubsub", t::boolean).bind(&cfg::store, &store::tutorial_pubsub)
        .describe("Mixed cluster with the Redis chat tutorial's servers on the same Redis: also publish every "
                  "message (and show.room for a new DM) on its MESSAGES channel, and deliver, in each room's "
                  "order, the messages its servers publish there."));
  add(opt("tutorial-github-url", t::string).meta("URL").check(valid_link_or_empty)
        .bind(&cfg::server, &srv::tutorial_github_url)
        .describe("What GET /links answers as {\"github\":URL} (the tutorial client's buttons); empty: {}."));
  // -- threads
  add(opt("threads", t::uint).range(1, 64).meta("N").bind(&cfg::threads)
        .describe("I/O threads, each with its own event loop; client connections are spread "
                  "over them (the first also runs Redis and Pub/Sub)."));
  add(opt("hash-threads", t::uint).range(1, 64).meta("N").bind(&cfg::hash_threads)
        .describe("bcrypt worker threads (password hashing never runs on I/O threads)."));
  add(opt("actor-threads", t::uint).range(1, 64).meta("N").bind(&cfg::actor_threads)
        .describe("CAF scheduler threads running the room, session and presence actors."));
  add(opt("actor-scheduler", t::choice).one_of({"sharing", "stealing"})
        .meta("POLICY").bind(&cfg::actor_scheduler)
        .describe("CAF scheduling policy: sharing (idle workers sleep on a condition variable) or "
                  "stealing (idle workers poll; lowest latency when cores are to spare)."));
  add(opt("bcrypt-cost", t::uint).range(4, 16).meta("N").bind(&cfg::bcrypt_cost)
        .describe("bcrypt cost for new password hashes (the tutorial uses 10)."));
  // -- limits
  add(opt("max-body-bytes", t::uint).range(1024, 64ull << 20).meta("N")
        .bind(&cfg::server, &srv::max_body_bytes).describe("Largest HTTP request body (413 above)."));
  add(opt("max-header-bytes", t::uint).range(1024, 1ull << 20).meta("N")
        .bind(&cfg::server, &srv::max_header_bytes).describe("Largest HTTP request head (431 above)."));
  add(opt("max-message-chars", t::uint).range(1, 100000).meta("N")
        .bind(&cfg::server, &srv::commands, &cmd::max_message_chars)
        .describe("Longest chat message, in characters (code points)."));
  add(opt("max-upload-bytes", t::uint).range(1024, 1ull << 30).meta("N")
        .bind(&cfg::server, &srv::uploads, &upl::max_bytes)
        .describe("Largest uploaded file (POST /room/{id}/files; 413 above, decided from Content-Length "
                  "before the body is read when the client sends one)."));
  add(opt("upload-quota-bytes-per-day", t::uint).range(0, 1ull << 40).meta("N")
        .bind(&cfg::server, &srv::uploads, &upl::quota_bytes_per_day)
        .describe("Bytes one user may upload per UTC day (429 quota_exceeded above; 0 = no quota)."));
  add(opt("max-concurrent-uploads", t::uint).range(1, 10000).meta("N")
        .bind(&cfg::server, &srv::uploads, &upl::max_concurrent)
        .describe("Uploads one node reads at the same time (503 busy with Retry-After above); each holds "
                  "about 1 MiB while it runs."));
  add(opt("upload-bytes-per-second", t::uint).range(0, 1ull << 40).meta("N")
        .bind(&cfg::server, &srv::uploads, &upl::bytes_per_second)
        .describe("All uploads of one node together store at most N bytes per second (0 = no limit); they also "
                  "pause while chat waits on Redis, so uploads never slow chat."));
  add(opt("max-ws-frame-bytes", t::uint).range(1024, 16ull << 20).meta("N")
        .bind(&cfg::server, &srv::live, &live::max_ws_frame_bytes)
        .describe("Largest inbound WebSocket message; larger ones close the connection with 1009."));
  add(opt("ws-write-delay-ms", t::uint).range(0, 1000).meta("MS")
        .bind(&cfg::server, &srv::live, &live::ws_write_delay)
        .describe("Write pacing: a busy batching WebSocket connection (/ws?batch=1; its last two writes less "
                  "than MS apart) that was written less than MS ago waits for the next tick of MS and gets "
                  "everything that arrived meanwhile in one write (0 = write at once)."));
  add(opt("ws-write-delay-max-ms", t::uint).range(0, 1000).meta("MS")
        .bind(&cfg::server, &srv::live, &live::ws_write_delay_max)
        .describe("Longest pacing wait: a paced connection with fewer than 8 events at a tick keeps collecting "
                  "at later ticks, up to MS after its last write, so that each write carries several events "
                  "(at or below --ws-write-delay-ms: every tick writes)."));
  add(opt("redis-max-queue-delay-ms", t::uint).range(0, 60000).meta("MS")
        .bind(&cfg::store, &store::max_queue_delay)
        .describe("Overload shedding: while a chat message (waiting for its write) or a Redis command (in "
                  "flight) has waited longer than MS, new chat messages are refused with error `overloaded` "
                  "(HTTP 503, Retry-After: 1) instead of queueing behind them (0 = never refuse)."));
  add(opt("login-attempts-per-minute", t::uint).range(1, 1000000).meta("N")
        .bind(&cfg::server, &srv::login_attempts_per_minute)
        .describe("Failed logins allowed per username from one client address, and registrations per client "
                  "address, per minute (429 above). A failed login never locks the user out at other addresses."));
  add(opt("login-failures-per-address-per-minute", t::uint).range(1, 1000000).meta("N")
        .bind(&cfg::server, &srv::login_failures_per_address_per_minute)
        .describe("Failed logins allowed per client address (whatever the username) per minute (429 above)."));
  add(opt("messages-per-10s", t::uint).range(1, 1000000).meta("N")
        .bind(&cfg::server, &srv::messages_per_10s).describe("Messages a user may send per 10 seconds (429 above)."));
  // (issue 20.4: connections, channel creations and rooms per user)
  add(opt("max-connections-per-user", t::uint).range(0, 1000000).meta("N")
        .bind(&cfg::server, &srv::max_connections_per_user)
        .describe("Live connections (WebSocket and SSE) one user may hold on all nodes together; one more is "
                  "refused before the upgrade with 429 `too_many_connections` (0 = no limit)."));
  add(opt("channel-creations-per-hour", t::uint).range(0, 1000000).meta("N")
        .bind(&cfg::store, &store::channel_creations_per_hour)
        .describe("Channels a user may create in any 60 minutes (admins: no limit); one more is 429 "
                  "`rate_limited` with Retry-After (0 = no limit)."));
  add(opt("max-rooms-per-user", t::uint).range(0, 1000000).meta("N")
        .bind(&cfg::store, &store::max_rooms_per_user)
        .describe("Rooms a user may be in besides General (channels and DMs); creating or joining a channel or "
                  "opening a DM beyond it is 403 `too_many_rooms` (a DM someone else opens always arrives; 0 = no limit)."));
  // -- the assistant (issue #21): its bot user and limits (the backend options: ai/)
  add(opt("ai-name", t::string).meta("NAME").check(valid_bot_name).bind(&cfg::assistant, &asst::name)
        .describe("Name of the assistant's bot user (role bot, cannot log in), created once cluster-wide when a "
                  "backend is configured; a DM with it or an @NAME mention asks it. An existing bot keeps its name."));
  add(opt("ai-system-prompt", t::string).meta("TEXT").bind(&cfg::assistant, &asst::system_prompt)
        .describe("System prompt sent before the room's messages ({name}: the bot's name, {room}: where it "
                  "answers); empty: a built-in prompt naming the product and the room."));
  add(opt("ai-context-messages", t::uint).range(0, 200).meta("N").bind(&cfg::assistant, &asst::context_messages)
        .describe("The room's last N messages sent as context (the bot's own as assistant, others as user)."));
  add(opt("ai-requests-per-hour", t::uint).range(0, 1000000).meta("N").bind(&cfg::assistant, &asst::requests_per_hour)
        .describe("Replies one user may start in any 60 minutes, on all nodes together (error rate_limited "
                  "above; 0 = no limit)."));
  add(opt("ai-max-concurrent", t::uint).range(1, 10000).meta("N").bind(&cfg::assistant, &asst::max_concurrent)
        .describe("Replies this node streams at once; one more is answered with error busy."));
  add_ai_backend_options(rows);
  // -- timeouts
  add(opt("session-ttl", t::duration).range(1, 365 * kDay).meta("DURATION")
        .bind(&cfg::store, &store::session_ttl).also(&cfg::server, &srv::session_ttl)
        .describe("Lifetime of a login session (and Max-Age of its cookie); its live connections close "
                  "when it expires (see --session-check-interval)."));
  add(opt("session-check-interval", t::duration).range(1, 3600).meta("DURATION")
        .bind(&cfg::server, &srv::session_check_interval)
        .describe("How often each node looks up the sessions of its live connections in Redis (one MGET "
                  "per 500 sessions): a WebSocket or SSE connection whose session expired closes at the "
                  "next check (WebSocket 4002, SSE `session.ended`)."));
  add(opt("request-timeout", t::duration).range(1, 3600).meta("DURATION")
        .bind(&cfg::server, &srv::request_timeout).describe("Time allowed to read or write one HTTP request."));
  add(opt("ws-idle-timeout", t::duration).range(4, 3600).meta("DURATION")
        .bind(&cfg::server, &srv::live, &live::ws_idle_timeout)
        .describe("A WebSocket client silent for half of this is pinged, one silent this long is closed "
                  "(checked every quarter of it, one timer per I/O thread)."));
  add(opt("slow-consumer-timeout", t::duration).range(1, 3600).meta("DURATION")
        .bind(&cfg::realtime, &rt::session, &actors::session_options::stall_timeout)
        .describe("A connection catching up a backlog reads storage only as fast as it drains its queue; "
                  "one whose queue does not drain at all for this long is cut as a slow consumer."));
  add(opt("presence-window-ms", t::uint).range(10, 10000).meta("MS")
        .bind(&cfg::realtime, &rt::presence, &actors::presence_options::broadcast_window)
        .describe("Presence changes (users coming online or going offline) are collected for MS after the "
                  "first one and sent as one batch, one change per user (its final state): longer windows "
                  "cost fewer frames in connect storms, shorter ones show presence sooner."));
  add(opt("search-index-ms", t::uint).range(0, 60000).meta("MS")
        .bind(&cfg::search, &actors::search_indexer_options::interval)
        .describe("Every MS the node indexes the text it wrote since (messages, thread replies, edits) for "
                  "GET /search, off the send path; 0 turns indexing off on this node (search then finds what "
                  "other nodes indexed)."));
  // -- history retention (issue #26)
  using ret = actors::retention_options;
  add(opt("history-max-age", t::duration).range(0, 100 * 365 * kDay).meta("DURATION")
        .bind(&cfg::retention, &ret::policy, &storage::retention_policy::max_age)
        .describe("Keep each room's history this long (e.g. 30d, 12h; 0 or off: forever). Older messages go with "
                  "their files, threads, reactions and event log entries, trimmed off the send path in small "
                  "steps by one node at a time; a client resuming from before the trimmed part gets `reload`."));
  add(opt("history-max-messages", t::uint).range(0, 1000000000).meta("N")
        .bind(&cfg::retention, &ret::policy, &storage::retention_policy::max_messages)
        .describe("Keep only the newest N messages of each room (0: no limit), trimmed like --history-max-age; "
                  "both limits apply when both are set."));
  add(opt("retention-interval-ms", t::uint).range(50, 86400000).meta("MS")
        .bind(&cfg::retention, &ret::interval)
        .describe("A retention sweep over every room starts this often (or when the last one ended). Meant "
                  "for tests; the default suits production."));
  add(opt("drain-timeout", t::duration).range(0, 3600).meta("DURATION")
        .bind(&cfg::drain_timeout).describe("Budget for the graceful drain at SIGTERM: clients are told to reconnect in batches, then presence is handed over and the process exits."));
  // -- logging
  add(opt("log-level", t::choice).one_of({"debug", "info", "warn", "error"}).meta("LEVEL")
        .bind(&cfg::log_level).describe("Lowest level written to the JSON log on stdout."));
  // -- meta (handled by the loader itself)
  add(opt("config", t::string).only(from_flag | from_env).meta("FILE").bind(&cfg::config_file)
        .describe("Read `name = value` lines (option names as above, # comments) before env and flags."));
  add(opt("print-config", t::boolean).only(from_flag)
        .describe("Print the effective configuration (secrets masked) as a config file and exit."));
  add(opt("version", t::boolean).only(from_flag).describe("Print the version and exit."));
  add(opt("help", t::boolean).only(from_flag).describe("Print this help and exit (also -h)."));
  return rows;
}

} // namespace

const std::vector<option>& option_table() {
  static const std::vector<option> rows = make_table();
  return rows;
}

} // namespace chat::app
