// The shape of file ids (storage/file_store.hpp): pure, so that the parsers that check message
// attachments (and their fuzz targets) need no Redis or OpenSSL.
#include "storage/file_store.hpp"

namespace chat::storage {

bool is_file_id(std::string_view id) noexcept {
  if (id.size() != 32)
    return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace chat::storage
