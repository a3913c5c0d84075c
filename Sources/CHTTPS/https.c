#include "katib-https.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void fail(char *error, size_t error_len, const char *format, ...) {
    if (error == NULL || error_len == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_len, format, args);
    va_end(args);
}

static void append_tls_error(char *error, size_t error_len) {
    unsigned long code = ERR_get_error();
    if (code == 0 || error == NULL) return;
    size_t used = strlen(error);
    if (used + 3 >= error_len) return;
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    snprintf(error + used, error_len - used, " (%s)", reason);
    ERR_clear_error();
}

/// A blocking TCP connection to the first address of host:port that accepts within timeout_ms.
static int connect_with_timeout(const char *host, int port, int timeout_ms, char *error, size_t error_len) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        fail(error, error_len, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    int last_errno = 0;
    for (struct addrinfo *a = list; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) { last_errno = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            int ready = poll(&p, 1, timeout_ms);
            int so_error = 0;
            socklen_t len = sizeof so_error;
            if (ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 && so_error == 0) break;
            last_errno = ready == 0 ? ETIMEDOUT : (so_error ? so_error : errno);
        } else {
            last_errno = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        fail(error, error_len, "cannot connect to %s:%d: %s", host, port, strerror(last_errno));
        return -1;
    }
    // Back to blocking mode, with per-operation timeouts.
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int katib_https_exchange(const char *host, int port, const char *ca_file,
                         const char *request, size_t request_len, int timeout_ms, size_t max_response,
                         char **response, size_t *response_len, char *error, size_t error_len) {
    *response = NULL;
    *response_len = 0;
    if (error && error_len) error[0] = 0;
    ERR_clear_error();

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        fail(error, error_len, "cannot create a TLS context");
        append_tls_error(error, error_len);
        return -1;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
        fail(error, error_len, "cannot load CA certificates from %s", ca_file);
        append_tls_error(error, error_len);
        SSL_CTX_free(ctx);
        return -1;
    }

    int fd = connect_with_timeout(host, port, timeout_ms, error, error_len);
    if (fd < 0) {
        SSL_CTX_free(ctx);
        return -1;
    }

    int result = -1;
    char *buffer = NULL;
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
        fail(error, error_len, "cannot create a TLS session");
        append_tls_error(error, error_len);
        goto done;
    }
    // Verify the certificate against the host: an IP address must be in its IP SANs, a name in its
    // DNS SANs (the Kubernetes API server's certificate carries both kinds).
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host);
    } else {
        SSL_set_tlsext_host_name(ssl, host);
        X509_VERIFY_PARAM_set1_host(param, host, 0);
    }
    if (SSL_connect(ssl) != 1) {
        long verify = SSL_get_verify_result(ssl);
        if (verify != X509_V_OK) {
            fail(error, error_len, "TLS handshake with %s:%d failed: certificate not trusted: %s", host, port,
                 X509_verify_cert_error_string(verify));
        } else {
            fail(error, error_len, "TLS handshake with %s:%d failed", host, port);
            append_tls_error(error, error_len);
        }
        goto done;
    }

    size_t sent = 0;
    while (sent < request_len) {
        int n = SSL_write(ssl, request + sent, (int)(request_len - sent));
        if (n <= 0) {
            fail(error, error_len, "sending the request to %s:%d failed", host, port);
            append_tls_error(error, error_len);
            goto done;
        }
        sent += (size_t)n;
    }

    size_t capacity = 16384, used = 0;
    buffer = malloc(capacity);
    if (buffer == NULL) { fail(error, error_len, "out of memory"); goto done; }
    for (;;) {
        if (used == capacity) {
            if (capacity >= max_response) {
                fail(error, error_len, "response from %s:%d exceeds %zu bytes", host, port, max_response);
                goto done;
            }
            size_t grown = capacity * 2 > max_response ? max_response : capacity * 2;
            char *bigger = realloc(buffer, grown);
            if (bigger == NULL) { fail(error, error_len, "out of memory"); goto done; }
            buffer = bigger;
            capacity = grown;
        }
        errno = 0;
        int n = SSL_read(ssl, buffer + used, (int)(capacity - used));
        if (n > 0) { used += (size_t)n; continue; }
        int reason = SSL_get_error(ssl, n);
        if (reason == SSL_ERROR_ZERO_RETURN) break;
        // A peer that closes TCP without close_notify: accept what arrived (the HTTP framing,
        // Content-Length or chunked, tells the caller whether the body is complete).
        if (reason == SSL_ERROR_SYSCALL && errno == 0) break;
        if (reason == SSL_ERROR_SSL) {
            unsigned long code = ERR_peek_error();
            if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) { ERR_clear_error(); break; }
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            fail(error, error_len, "no response from %s:%d within %d ms", host, port, timeout_ms);
        } else {
            fail(error, error_len, "reading the response from %s:%d failed", host, port);
            append_tls_error(error, error_len);
        }
        goto done;
    }
    *response = buffer;
    *response_len = used;
    buffer = NULL;
    result = 0;

done:
    free(buffer);
    if (ssl) {
        if (result == 0) SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    close(fd);
    SSL_CTX_free(ctx);
    return result;
}

void katib_https_free(char *response) { free(response); }
