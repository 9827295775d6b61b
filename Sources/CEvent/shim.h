// libevent's event-config.h defines _GNU_SOURCE. If it came before the first C
// library header, glibc would expose fd_set and friends in another shape than
// the Glibc, Dispatch and CCurl modules see, and Swift would reject the module
// mix. Including the C library headers first keeps one shape everywhere.
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
