// Linux system calls and constants that Swift's Glibc module does not export (epoll, eventfd, accept4)
// or that are awkward to call from Swift (sockaddr casts, getaddrinfo). Used only by
// Sources/SuggestionAPI/Transport. Every function returns -1 and leaves errno set on failure.
#pragma once
#include <stdint.h>

/// epoll_create1(EPOLL_CLOEXEC).
int cshims_epoll_create(void);
/// EPOLL_CTL_ADD / MOD with `events` made of the CSHIMS_EV_* bits below and a 64-bit token.
int cshims_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int cshims_epoll_mod(int epfd, int fd, uint32_t events, uint64_t token);
/// epoll_wait into two parallel arrays (avoids the packed struct epoll_event in Swift).
int cshims_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int max_events, int timeout_ms);

/// Level-triggered event bits.
extern const uint32_t CSHIMS_EV_IN;
extern const uint32_t CSHIMS_EV_OUT;
extern const uint32_t CSHIMS_EV_ERR;   // EPOLLERR | EPOLLHUP | EPOLLRDHUP

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), and its 8-byte write / drain.
int cshims_eventfd(void);
int cshims_eventfd_signal(int fd);
void cshims_eventfd_drain(int fd);

/// A non-blocking, close-on-exec TCP listener with SO_REUSEADDR and SO_REUSEPORT.
/// `host` is a numeric address or a name; `port` 0 picks an ephemeral port.
int cshims_tcp_listen(const char *host, int port, int backlog);
/// The local port of a bound socket.
int cshims_local_port(int fd);
/// accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), then TCP_NODELAY on the new socket.
int cshims_accept(int listen_fd);
/// A non-blocking connect (TCP_NODELAY set). Returns the fd; the connection may still be in
/// progress, so wait for writability and then call cshims_socket_error.
/// On a resolution failure returns -1 with errno = 0 and *gai_error set.
int cshims_tcp_connect(const char *host, int port, int *gai_error);
/// SO_ERROR of a socket (0 when connected).
int cshims_socket_error(int fd);
/// recv / send (MSG_NOSIGNAL) returning -2 for EAGAIN/EWOULDBLOCK/EINTR, -1 for errors, 0 for EOF on recv.
long cshims_recv(int fd, void *buf, unsigned long len);
long cshims_send(int fd, const void *buf, unsigned long len);

/// Installs a handler for each of `signals` that writes the signal number as one byte to a pipe, and
/// returns the pipe's read end (blocking), or -1 with errno set. Call once per process.
int cshims_signal_pipe(const int *signals, int count);

/// 1 (errno EADDRINUSE) when another socket is bound to host:port, found by binding a probe socket
/// without SO_REUSEPORT; 0 otherwise. The listeners themselves use SO_REUSEPORT (one per event loop),
/// which would otherwise let a second server share the port silently.
int cshims_port_taken(const char *host, int port);

/// glibc malloc: fixes the mmap threshold and the heap-top trim threshold (mallopt; fixing them stops
/// glibc's dynamic raise of the mmap threshold). Returns 1 when both were accepted.
int cshims_malloc_thresholds(int mmap_threshold, int trim_threshold);
/// glibc malloc_trim(0): hands free heap pages back to the system.
void cshims_malloc_trim(void);
