#define _GNU_SOURCE
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
#include <time.h>
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

/// Milliseconds on the monotonic clock.
static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/// Milliseconds left until `deadline_ms` (at least 1 while any is left, 0 when none is).
static int remaining_ms(long long deadline_ms) {
    long long left = deadline_ms - now_ms();
    return left <= 0 ? 0 : (left > 0x7fffffff ? 0x7fffffff : (int)left);
}

/// Sets the socket's read and write timeouts to what is left of the exchange's deadline; 0 when the
/// deadline has passed.
static int arm_socket_timeouts(int fd, long long deadline_ms) {
    int left = remaining_ms(deadline_ms);
    if (left == 0) return 0;
    struct timeval tv = { .tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return left;
}

/// Resolves host:port before `deadline_ms`. Numeric addresses need no lookup; names are looked up
/// with getaddrinfo_a so that a slow resolver cannot hold the call past its deadline. A lookup that
/// cannot be cancelled in time still owns its request block, which is then left to it (a few
/// hundred bytes, only when DNS hangs).
static int resolve(const char *host, const char *service, long long deadline_ms, struct addrinfo **out,
                   char *error, size_t error_len) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, service, &hints, out) == 0) return 0;
    struct lookup { struct gaicb request; struct addrinfo hints; char service[16]; } *lookup = calloc(1, sizeof *lookup);
    char *name = strdup(host);
    if (lookup == NULL || name == NULL) { free(lookup); free(name); fail(error, error_len, "out of memory"); return -1; }
    lookup->hints = hints;
    lookup->hints.ai_flags = AI_NUMERICSERV;
    snprintf(lookup->service, sizeof lookup->service, "%s", service);
    lookup->request.ar_name = name;
    lookup->request.ar_service = lookup->service;
    lookup->request.ar_request = &lookup->hints;
    struct gaicb *list[1] = { &lookup->request };
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        free(name); free(lookup);
        fail(error, error_len, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    while (gai_error(&lookup->request) == EAI_INPROGRESS) {
        int left = remaining_ms(deadline_ms);
        if (left == 0) break;
        struct timespec wait = { .tv_sec = left / 1000, .tv_nsec = (long)(left % 1000) * 1000000 };
        gai_suspend((const struct gaicb *const *)list, 1, &wait);
    }
    rc = gai_error(&lookup->request);
    if (rc == EAI_INPROGRESS) {
        if (gai_cancel(&lookup->request) == EAI_CANCELED) { free(name); free(lookup); }
        fail(error, error_len, "cannot resolve %s: no answer within the deadline", host);
        return -1;
    }
    if (rc != 0) {
        free(name); free(lookup);
        fail(error, error_len, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    *out = lookup->request.ar_result;
    free(name); free(lookup);
    return 0;
}

/// A blocking TCP connection to the first address of host:port that accepts before `deadline_ms`.
static int connect_with_timeout(const char *host, int port, long long deadline_ms, char *error, size_t error_len) {
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo *list = NULL;
    if (resolve(host, service, deadline_ms, &list, error, error_len) != 0) return -1;
    int fd = -1;
    int last_errno = 0;
    for (struct addrinfo *a = list; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) { last_errno = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (errno == EINPROGRESS) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            int ready = poll(&p, 1, remaining_ms(deadline_ms));
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
    // Back to blocking mode; every later read and write waits at most what is left of the deadline.
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    arm_socket_timeouts(fd, deadline_ms);
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
    const long long deadline_ms = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

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

    int fd = connect_with_timeout(host, port, deadline_ms, error, error_len);
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
    // A failed setup would leave the name unchecked, so it ends the exchange.
    if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1
              : (SSL_set_tlsext_host_name(ssl, host) != 1 || X509_VERIFY_PARAM_set1_host(param, host, 0) != 1)) {
        fail(error, error_len, "cannot set up verification of %s's certificate", host);
        append_tls_error(error, error_len);
        goto done;
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
        if (!arm_socket_timeouts(fd, deadline_ms)) { fail(error, error_len, "no response from %s:%d within %d ms", host, port, timeout_ms); goto done; }
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
        if (!arm_socket_timeouts(fd, deadline_ms)) {
            fail(error, error_len, "no complete response from %s:%d within %d ms", host, port, timeout_ms);
            goto done;
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
