#include "ai/tls_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace chat::ai {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context> make_tls_context(const std::string& ca_file, std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);
  if (ec) {
    error = "cannot load the system's trusted certificates: " + ec.message();
    return nullptr;
  }
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      error = "cannot load the CA file " + ca_file + ": " + ec.message();
      return nullptr;
    }
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) {
    error = "cannot enable certificate verification: " + ec.message();
    return nullptr;
  }
  return ctx;
}

bool set_tls_peer(SSL* ssl, const std::string& host, std::string& error) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  bool is_ip = !ec;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      error = "cannot set the expected IP address";
      return false;
    }
    return true;
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1) {
    error = "cannot set the expected host name";
    return false;
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    error = "cannot set the TLS server name (SNI)";
    return false;
  }
  return true;
}

std::string describe_tls_failure(SSL* ssl, const boost::system::error_code& ec) {
  long result = SSL_get_verify_result(ssl);
  if (result != X509_V_OK)
    return std::string{"certificate not trusted: "} + X509_verify_cert_error_string(result);
  return "TLS handshake failed: " + ec.message();
}

} // namespace chat::ai
