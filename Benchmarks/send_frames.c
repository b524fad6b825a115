/* send_frames: replay the frames of a classic pcap file on one interface at a paced rate, for Benchmarks/live.
 *
 *   send_frames IFACE FILE RATE COUNT [BATCH]
 *
 * Sends COUNT frames (the file's frames in order, from the start again if the file has fewer) through an
 * AF_PACKET raw socket bound to IFACE, RATE frames per second on average: every BATCH frames (default 32) it
 * sends those whose due time (start + i / RATE) has come, with sendmmsg(2), then sleeps until the next batch is
 * due (clock_nanosleep on CLOCK_MONOTONIC, absolute, timer slack 1 µs). Frames go out exactly as recorded; a
 * veth delivers any frame to its peer. Prints frames sent, failed sends, elapsed time and achieved rate.
 *
 * Root (CAP_NET_RAW) only. Benchmarks/live runs it inside a network namespace of its own, on one end of a veth
 * pair, so nothing it sends can reach another interface. Not a test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024

static uint32_t get32(const unsigned char *p, int swap) {
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: send_frames IFACE FILE RATE COUNT [BATCH]\n");
        return 2;
    }
    const char *iface = argv[1], *path = argv[2];
    double rate = atof(argv[3]);
    long count = atol(argv[4]);
    int batch = argc == 6 ? atoi(argv[5]) : 32;
    if (rate <= 0 || count < 1 || batch < 1 || batch > MAX_BATCH) {
        fprintf(stderr, "send_frames: RATE and COUNT must be positive, BATCH 1..%d\n", MAX_BATCH);
        return 2;
    }

    /* The capture, mapped whole; an index of frame offsets and lengths. */
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 24) {
        fprintf(stderr, "send_frames: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    const unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        perror("send_frames: mmap");
        return 2;
    }
    uint32_t magic;
    memcpy(&magic, map, 4);
    int swap;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) swap = 0;
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) swap = 1;
    else {
        fprintf(stderr, "send_frames: %s is not a classic pcap file\n", path);
        return 2;
    }
    if (get32(map + 20, swap) != 1) {
        fprintf(stderr, "send_frames: %s is not Ethernet (link type %u)\n", path, get32(map + 20, swap));
        return 2;
    }
    size_t frames = 0, capacity = 1 << 16;
    uint64_t *offsets = malloc(capacity * sizeof *offsets);
    uint32_t *lengths = malloc(capacity * sizeof *lengths);
    for (size_t at = 24; at + 16 <= (size_t)st.st_size && frames < (size_t)count;) {
        uint32_t caplen = get32(map + at + 8, swap);
        if (at + 16 + caplen > (size_t)st.st_size) break;
        if (frames == capacity) {
            capacity *= 2;
            offsets = realloc(offsets, capacity * sizeof *offsets);
            lengths = realloc(lengths, capacity * sizeof *lengths);
        }
        offsets[frames] = at + 16;
        lengths[frames] = caplen;
        frames++;
        at += 16 + caplen;
    }
    if (frames == 0) {
        fprintf(stderr, "send_frames: no frames in %s\n", path);
        return 2;
    }

    int sock = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: this socket receives nothing */
    if (sock < 0) {
        perror("send_frames: socket(AF_PACKET)");
        return 2;
    }
    struct sockaddr_ll address = {0};
    address.sll_family = AF_PACKET;
    address.sll_ifindex = (int)if_nametoindex(iface);
    if (address.sll_ifindex == 0) {
        fprintf(stderr, "send_frames: no interface %s\n", iface);
        return 2;
    }
    if (bind(sock, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("send_frames: bind");
        return 2;
    }
    int one = 1, buffer = 4 << 20;
    setsockopt(sock, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one); /* straight to the driver */
    setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

    static struct mmsghdr messages[MAX_BATCH];
    static struct iovec vectors[MAX_BATCH];
    long sent = 0, failed = 0, next = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    double t0 = (double)start.tv_sec + (double)start.tv_nsec / 1e9;
    while (next < count) {
        /* Everything due by now, in chunks of at most BATCH frames. */
        double elapsed = now_seconds() - t0;
        long due = (long)(elapsed * rate) + 1;
        if (due > count) due = count;
        while (next < due) {
            int n = 0;
            for (; n < batch && next + n < due; n++) {
                size_t i = (size_t)(next + n) % frames;
                vectors[n].iov_base = (void *)(map + offsets[i]);
                vectors[n].iov_len = lengths[i];
                memset(&messages[n].msg_hdr, 0, sizeof messages[n].msg_hdr);
                messages[n].msg_hdr.msg_iov = &vectors[n];
                messages[n].msg_hdr.msg_iovlen = 1;
            }
            int done = 0;
            while (done < n) {
                int r = sendmmsg(sock, messages + done, (unsigned)(n - done), 0);
                if (r > 0) {
                    done += r;
                } else if (r < 0 && (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)) {
                    continue;
                } else {
                    /* This frame cannot be sent (e.g. longer than the MTU): count it and skip it. */
                    if (failed < 5) fprintf(stderr, "send_frames: frame %ld: %s\n", next + done + 1, strerror(errno));
                    failed++;
                    done++;
                }
            }
            sent += n;
            next += n;
        }
        if (next >= count) break;
        /* Sleep until the next batch is due. */
        double wake = t0 + (double)(next + batch - 1) / rate;
        if (wake - now_seconds() > 0) {
            struct timespec until;
            until.tv_sec = (time_t)wake;
            until.tv_nsec = (long)((wake - (double)until.tv_sec) * 1e9);
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
        }
    }
    double elapsed = now_seconds() - t0;
    printf("send_frames: %ld frames sent (%ld failed) from %zu distinct frames of %s in %.3f s: %.0f frames/s\n",
           sent - failed, failed, frames, path, elapsed, (double)(sent - failed) / elapsed);
    return failed > 0 ? 1 : 0;
}
