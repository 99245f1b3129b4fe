/*
 * tunloop: a plain user-space wire between two TUN devices, each in its own network
 * namespace. It is the ceiling for any user-space stack that sits on a TUN the plain way
 * (IFF_TUN | IFF_NO_PI, no offloads, MTU 1500): every packet costs exactly one read() from
 * one TUN and one write() into the other, nothing else.
 *
 *   tunloop NS_A TUN_A NS_B TUN_B SECONDS
 *
 * The two TUN devices must exist already (ip -n NS tuntap add mode tun name TUN) and are
 * attached here with TUNSETIFF after setns() into their namespace. Two threads, one per
 * direction, each blocked in read() on its TUN and writing what it got to the other one.
 * The process stops itself after SECONDS (alarm; at most 3600), or on SIGINT/SIGTERM,
 * and prints one line of counters. Used by scripts/bench-tcp; built there with
 *   gcc -O2 -pthread -o tunloop tunloop.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct direction {
    const char *name;
    int from, to;
    atomic_long packets, bytes, write_errors;
};

static struct direction dirs[2];

static int attach_tun(const char *ns, const char *dev) {
    char path[300];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) { perror(path); exit(1); }
    if (setns(nsfd, CLONE_NEWNET) != 0) { perror("setns"); exit(1); }
    close(nsfd);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("/dev/net/tun"); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (strlen(dev) >= IFNAMSIZ) { fprintf(stderr, "tunloop: device name too long: %s\n", dev); exit(2); }
    strcpy(ifr.ifr_name, dev);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) { perror("TUNSETIFF"); exit(1); }
    return fd;
}

static void *copy(void *arg) {
    struct direction *d = arg;
    static _Thread_local unsigned char buf[65536];
    for (;;) {
        ssize_t n = read(d->from, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            perror("tunloop: read");
            return NULL;
        }
        /* A full queue on the far TUN (ENOBUFS) or a device going down loses the packet,
         * as a wire would; TCP recovers. Counted, never retried. */
        if (write(d->to, buf, (size_t)n) != n) atomic_fetch_add_explicit(&d->write_errors, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->packets, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->bytes, n, memory_order_relaxed);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: tunloop NS_A TUN_A NS_B TUN_B SECONDS\n");
        return 2;
    }
    long seconds = atol(argv[5]);
    if (seconds < 1 || seconds > 3600) { fprintf(stderr, "tunloop: SECONDS must be 1..3600\n"); return 2; }

    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    int a = attach_tun(argv[1], argv[2]);
    int b = attach_tun(argv[3], argv[4]);
    dirs[0] = (struct direction){.name = "a->b", .from = a, .to = b};
    dirs[1] = (struct direction){.name = "b->a", .from = b, .to = a};

    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        if (pthread_create(&t[i], NULL, copy, &dirs[i]) != 0) { perror("pthread_create"); return 1; }
    }
    printf("ready: tunloop %s/%s <-> %s/%s for at most %lds\n", argv[1], argv[2], argv[3], argv[4], seconds);
    fflush(stdout);

    alarm((unsigned)seconds);
    int sig = 0;
    sigwait(&stop, &sig);
    for (int i = 0; i < 2; i++) {
        printf("tunloop: %s packets=%ld bytes=%ld write_errors=%ld\n", dirs[i].name,
               atomic_load(&dirs[i].packets), atomic_load(&dirs[i].bytes), atomic_load(&dirs[i].write_errors));
    }
    printf("tunloop: stopped by %s\n", sig == SIGALRM ? "its time limit" : strsignal(sig));
    fflush(stdout);
    _exit(0); /* the copy threads are blocked in read(): exit without joining them */
}
