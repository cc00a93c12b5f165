#pragma once
/// TLS for the backends' `https://` URLs (Boost.Asio SSL over Debian's OpenSSL): the client context
/// (peer verification against the system store, plus an optional private CA file) and the per
/// connection settings (SNI, the host name or IP address the certificate must match).

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

namespace chat::ai {

/// A client context: TLS 1.2 or later, `verify_peer`, the system's trusted certificates
/// (set_default_verify_paths: /etc/ssl/certs on Debian) and, when `ca_file` is not empty, the PEM
/// certificates in it. nullptr and `error` set when the CA file cannot be loaded.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file, std::string& error);

/// Prepares one connection to `host`: SNI (host names only, as RFC 6066 says) and the name or
/// IP address its certificate must carry (checked by OpenSSL during the handshake).
/// False and `error` set when OpenSSL refuses.
bool set_tls_peer(SSL* ssl, const std::string& host, std::string& error);

/// Describes a failed handshake: the certificate verification error when there was one
/// (`certificate not trusted: self-signed certificate`), else the TLS error.
std::string describe_tls_failure(SSL* ssl, const boost::system::error_code& ec);

} // namespace chat::ai
