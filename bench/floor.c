/* The floor: a bare threaded libfcgi responder answering a trivial JSON body, behind the same
 * nginx configuration. Built by bench/lib.sh (start_floor); alone:
 *   cc -O2 -o floor floor.c -lfcgi -lpthread
 *   ./floor SOCKET_PATH THREADS */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int listen_fd;
static const char response[] =
    "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 31\r\n\r\n"
    "{\"status\":\"ok\",\"database\":\"ok\"}";

static void *serve(void *unused) {
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        FCGX_PutStr(response, sizeof response - 1, request.out);
        FCGX_Finish_r(&request);
    }
    return unused;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s SOCKET THREADS\n", argv[0]); return 2; }
    FCGX_Init();
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    chmod(argv[1], 0666);
    int n = atoi(argv[2]);
    pthread_t threads[64];
    for (int i = 0; i < n && i < 64; i++) pthread_create(&threads[i], NULL, serve, NULL);
    for (int i = 0; i < n && i < 64; i++) pthread_join(threads[i], NULL);
    return 0;
}
