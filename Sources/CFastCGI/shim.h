#ifndef AUTHKIT_CFASTCGI_SHIM_H
#define AUTHKIT_CFASTCGI_SHIM_H
/* Only the re-entrant FCGX API. Never fcgi_stdio.h: it redefines stdio. */
#include <fcgiapp.h>

/* The accept gate of the FastCGI module waits with epoll and wakes with an eventfd;
   Glibc's Swift module does not export these headers. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif
