#include "storage/redis_reply.hpp"

#include <hiredis/hiredis.h>

namespace chat::storage {

redis_reply redis_reply::io_failure(std::string why) {
  redis_reply r;
  r.type = kind::io_error;
  r.str = std::move(why);
  return r;
}

redis_reply redis_reply::from_hiredis(const ::redisReply* r) {
  redis_reply out;
  if (r == nullptr)
    return io_failure("no reply");
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_NIL:
      out.type = kind::nil;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = kind::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(from_hiredis(r->element[i]));
      break;
    default:
      out.type = kind::error;
      out.str = "unknown reply type " + std::to_string(r->type);
      break;
  }
  return out;
}

bool redis_reply::error_starts_with(std::string_view prefix) const noexcept {
  return type == kind::error && std::string_view{str}.substr(0, prefix.size()) == prefix;
}

bool redis_reply::text_is(std::string_view text) const noexcept {
  return (type == kind::string || type == kind::status) && str == text;
}

const char* to_string(redis_reply::kind k) noexcept {
  switch (k) {
    case redis_reply::kind::io_error: return "io_error";
    case redis_reply::kind::nil: return "nil";
    case redis_reply::kind::integer: return "integer";
    case redis_reply::kind::string: return "string";
    case redis_reply::kind::status: return "status";
    case redis_reply::kind::error: return "error";
    case redis_reply::kind::array: return "array";
  }
  return "unknown";
}

} // namespace chat::storage
