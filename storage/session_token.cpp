#include "storage/session_token.hpp"

#include <cstdio>
#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace chat::storage {

namespace {

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

} // namespace

std::string new_session_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // No randomness means no safe sessions: refuse to continue rather than issue guessable tokens.
    std::fputs("chat_storage: RAND_bytes failed, cannot issue session tokens\n", stderr);
    std::abort();
  }
  return to_hex(bytes, sizeof bytes);
}

std::string hash_session_token(std::string_view token) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(token.data(), token.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    std::fputs("chat_storage: EVP_Digest(SHA-256) failed\n", stderr);
    std::abort();
  }
  return to_hex(md, len);
}

bool is_well_formed_token(std::string_view token) noexcept {
  if (token.size() != 64)
    return false;
  for (char c : token)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return false;
  return true;
}

} // namespace chat::storage
