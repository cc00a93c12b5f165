#pragma once
// A self-signed certificate made at test time with OpenSSL's API (no files in the repository, no
// openssl CLI), for the loopback HTTPS server, and a temporary PEM file to trust it through the
// backend's CA file option.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ai_test {

/// A certificate and its private key, PEM.
struct identity {
  std::string cert_pem;
  std::string key_pem;
};

/// A self-signed P-256 certificate valid for an hour around now, with `san` as its
/// subjectAltName (e.g. "DNS:localhost,IP:127.0.0.1").
inline identity make_self_signed(const std::string& san) {
  auto fail = [](const char* what) -> identity { throw std::runtime_error(what); };
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_EC_gen("P-256"), &EVP_PKEY_free};
  if (!key)
    return fail("EVP_EC_gen");
  std::unique_ptr<X509, decltype(&X509_free)> x{X509_new(), &X509_free};
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("chatnode test"), -1,
                             -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                            std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr)
      return fail("X509V3_EXT_conf_nid");
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0)
    return fail("X509_sign");
  auto pem = [](auto write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), &BIO_free};
    write(bio.get());
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string{data, static_cast<std::size_t>(n)};
  };
  identity id;
  id.cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, x.get()); });
  id.key_pem = pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return id;
}

/// A server context presenting `id`.
inline std::unique_ptr<boost::asio::ssl::context> server_context(const identity& id) {
  auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->use_certificate_chain(boost::asio::buffer(id.cert_pem));
  ctx->use_private_key(boost::asio::buffer(id.key_pem), boost::asio::ssl::context::pem);
  return ctx;
}

/// A temporary file holding `content`, removed with the object.
class temp_file {
public:
  explicit temp_file(const std::string& content) {
    char name[] = "/tmp/chatnode-ai-test-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0)
      throw std::runtime_error("mkstemp");
    path_ = name;
    auto written = ::write(fd, content.data(), content.size());
    ::close(fd);
    if (written != static_cast<ssize_t>(content.size()))
      throw std::runtime_error("write");
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace ai_test
