// One blocking HTTPS/1.1 exchange over OpenSSL, for the early-stopping service's calls to the
// Kubernetes API (the only TLS this project makes). Used only by Sources/SuggestionAPI/HTTPS.
#pragma once
#include <stddef.h>

/// Connects to host:port (name or numeric, IPv4 or IPv6) within `timeout_ms`, verifies the server's
/// certificate chain against the PEM bundle `ca_file` and its name or IP address against `host`,
/// sends `request` (`request_len` bytes, a complete HTTP/1.1 request with `Connection: close`), and
/// reads the response until the peer closes, at most `max_response` bytes. `timeout_ms` bounds the
/// whole exchange (name lookup, connect, handshake, every read and write together), so a server that
/// trickles bytes cannot hold the call longer.
///
/// Returns 0 and sets *response (malloc'd, to be freed by the caller with katib_https_free) and
/// *response_len on success. On failure returns -1 and writes a one-line reason into `error`
/// (`error_len` bytes, NUL-terminated); *response is NULL.
int katib_https_exchange(const char *host, int port, const char *ca_file,
                         const char *request, size_t request_len, int timeout_ms, size_t max_response,
                         char **response, size_t *response_len, char *error, size_t error_len);

void katib_https_free(char *response);
