/*
 * tunloop: a plain user-space wire between two TUN devices, each in its own network
 * namespace. It is the ceiling for any user-space stack that sits on a TUN the same way:
 * every packet (or, with --offload, every super-packet) costs exactly one read() from one
 * TUN and one write() into the other, nothing else.
 *
 *   tunloop [--offload] [--mtu N] NS_A TUN_A NS_B TUN_B SECONDS
 *
 *   (no option)  IFF_TUN | IFF_NO_PI, no offloads, the devices' MTU as it is (1500 unless
 *                set otherwise): the plain TUN path.
 *   --offload    open both TUNs with IFF_VNET_HDR (TUNSETVNETHDRSZ 10, the legacy
 *                struct virtio_net_hdr) and TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4, as
 *                `tcpstack serve --offload on` does: the kernel then hands over TCP frames of
 *                up to 64 KiB with the checksum left to fill in. Each frame is copied whole,
 *                header included, so the far kernel sees the same GSO frame and accepts it
 *                as such (no segmentation or checksum work in the loop).
 *   --mtu N      set both devices' MTU to N (68..65535) with SIOCSIFMTU once attached:
 *                e.g. 65535, to compare with `tcpstack serve --mtu 65535`.
 *
 * The two TUN devices must exist already (ip -n NS tuntap add mode tun name TUN) and are
 * attached here with TUNSETIFF after setns() into their namespace. Two threads, one per
 * direction, each blocked in read() on its TUN and writing what it got to the other one.
 * The process stops itself after SECONDS (alarm; at most 3600), or on SIGINT/SIGTERM,
 * and prints one line of counters per direction. Used by scripts/bench-tcp; built there with
 *   gcc -O2 -pthread -o tunloop tunloop.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The largest frame a read() can return: an IPv4 packet is at most 65535 bytes (its total
 * length field), a GSO super-frame included, plus the virtio_net_hdr in front with --offload. */
#define FRAME_MAX (sizeof(struct virtio_net_hdr) + 65536)

struct direction {
    const char *name;
    int from, to;
    atomic_long packets, bytes, write_errors;
};

static struct direction dirs[2];

static int offload = 0; /* --offload */
static int mtu = 0;     /* --mtu N; 0: leave the devices' MTU as it is */

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
    /* IFF_VNET_HDR on an existing device made without vnet_hdr is fine: TUNSETIFF takes the
     * flags of the file that attaches. */
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
    if (strlen(dev) >= IFNAMSIZ) { fprintf(stderr, "tunloop: device name too long: %s\n", dev); exit(2); }
    strcpy(ifr.ifr_name, dev);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) { perror("TUNSETIFF"); exit(1); }
    if (offload) {
        /* Say the header size rather than trust the default, so FRAME_MAX is right whatever
         * set the device up before. */
        int hdr = sizeof(struct virtio_net_hdr);
        if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) != 0) {
            fprintf(stderr, "tunloop: %s/%s: TUNSETVNETHDRSZ %d: %s\n", ns, dev, hdr, strerror(errno));
            exit(1);
        }
        /* What the device may hand us: checksum left to fill in, TCPv4 frames of up to
         * 64 KiB (TSO). IPv4 only, like tcpstack; the argument is the value, not a pointer. */
        if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) != 0) {
            fprintf(stderr, "tunloop: %s/%s: TUNSETOFFLOAD csum+tso4: %s\n", ns, dev, strerror(errno));
            exit(1);
        }
    }
    if (mtu != 0) {
        /* SIOCSIFMTU goes through any socket of the namespace we are now in. */
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) { perror("tunloop: socket"); exit(1); }
        struct ifreq mreq;
        memset(&mreq, 0, sizeof mreq);
        strcpy(mreq.ifr_name, dev);
        mreq.ifr_mtu = mtu;
        if (ioctl(s, SIOCSIFMTU, &mreq) != 0) {
            fprintf(stderr, "tunloop: %s/%s: cannot set MTU %d: %s\n", ns, dev, mtu, strerror(errno));
            exit(1);
        }
        close(s);
    }
    return fd;
}

static void *copy(void *arg) {
    struct direction *d = arg;
    static _Thread_local unsigned char buf[FRAME_MAX];
    for (;;) {
        ssize_t n = read(d->from, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            perror("tunloop: read");
            return NULL;
        }
        /* With --offload the frame starts with its virtio_net_hdr (GSO type and size, where
         * the checksum goes): passed on unchanged, the far TUN rebuilds the same skb.
         * A full queue on the far TUN (ENOBUFS) or a device going down loses the packet,
         * as a wire would; TCP recovers. Counted, never retried. */
        if (write(d->to, buf, (size_t)n) != n) atomic_fetch_add_explicit(&d->write_errors, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->packets, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&d->bytes, n, memory_order_relaxed);
    }
}

static void usage(void) {
    fprintf(stderr, "usage: tunloop [--offload] [--mtu N] NS_A TUN_A NS_B TUN_B SECONDS\n");
    exit(2);
}

int main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--offload") == 0) {
            offload = 1;
        } else if (strcmp(argv[i], "--mtu") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            /* 68: RFC 791's minimum; 65535: the largest IPv4 packet (and the TUN's max_mtu). */
            if (*end != '\0' || v < 68 || v > 65535) {
                fprintf(stderr, "tunloop: --mtu %s: out of range (68..65535)\n", argv[i]);
                return 2;
            }
            mtu = (int)v;
        } else {
            fprintf(stderr, "tunloop: unknown option %s\n", argv[i]);
            usage();
        }
    }
    if (argc - i != 5) usage();
    argv += i - 1; /* the positional arguments are argv[1..5] from here on, as before the options */
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
    for (int k = 0; k < 2; k++) {
        if (pthread_create(&t[k], NULL, copy, &dirs[k]) != 0) { perror("pthread_create"); return 1; }
    }
    char mtu_text[32] = "the devices' MTU";
    if (mtu != 0) snprintf(mtu_text, sizeof mtu_text, "MTU %d", mtu);
    printf("ready: tunloop %s/%s <-> %s/%s, %s, %s, for at most %lds\n", argv[1], argv[2], argv[3], argv[4],
           offload ? "offloads (vnet hdr 10, csum + tso4)" : "no offloads", mtu_text, seconds);
    fflush(stdout);

    alarm((unsigned)seconds);
    int sig = 0;
    sigwait(&stop, &sig);
    for (int k = 0; k < 2; k++) {
        printf("tunloop: %s packets=%ld bytes=%ld write_errors=%ld\n", dirs[k].name,
               atomic_load(&dirs[k].packets), atomic_load(&dirs[k].bytes), atomic_load(&dirs[k].write_errors));
    }
    printf("tunloop: stopped by %s\n", sig == SIGALRM ? "its time limit" : strsignal(sig));
    fflush(stdout);
    _exit(0); /* the copy threads are blocked in read(): exit without joining them */
}
