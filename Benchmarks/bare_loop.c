/*
 * The libpcap floors SocketScope is compared against.
 *
 *   bare_loop loop   FILE   pcap_next_ex over every record (1 MiB stdio buffer): the libpcap floor
 *   bare_loop decode FILE   the same, plus Ethernet (+VLAN) / IPv4 / TCP-UDP header parsing and a
 *                           bidirectional flow table (open addressing, FNV-1a): the decode floor
 *
 * Prints frames, bytes and (decode) flows, TCP payload bytes and SYNs so the work cannot be optimised away.
 * Build: cc -O2 -o bare_loop bare_loop.c -lpcap
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flow {
    uint32_t a_ip, b_ip;
    uint16_t a_port, b_port;
    uint8_t proto, used;
    uint64_t frames, bytes;
};

static struct flow *table;
static size_t table_size = 1 << 16, table_used;

static uint64_t fnv1a(const void *p, size_t n) {
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
    return h;
}

static void grow(void);

static struct flow *lookup(uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp, uint8_t proto) {
    /* normalise so both directions land on one entry */
    if (sip > dip || (sip == dip && sp > dp)) {
        uint32_t t = sip; sip = dip; dip = t;
        uint16_t u = sp; sp = dp; dp = u;
    }
    struct { uint32_t a, b; uint16_t c, d; uint8_t e; } key = {sip, dip, sp, dp, proto};
    uint8_t kb[13];
    memcpy(kb, &key.a, 4); memcpy(kb + 4, &key.b, 4); memcpy(kb + 8, &key.c, 2); memcpy(kb + 10, &key.d, 2);
    kb[12] = proto;
    size_t mask = table_size - 1, i = fnv1a(kb, sizeof kb) & mask;
    for (;;) {
        struct flow *f = &table[i];
        if (!f->used) {
            f->used = 1; f->a_ip = sip; f->b_ip = dip; f->a_port = sp; f->b_port = dp; f->proto = proto;
            if (++table_used * 4 > table_size * 3) { grow(); return lookup(sip, dip, sp, dp, proto); }
            return f;
        }
        if (f->a_ip == sip && f->b_ip == dip && f->a_port == sp && f->b_port == dp && f->proto == proto) return f;
        i = (i + 1) & mask;
    }
}

static void grow(void) {
    struct flow *old = table;
    size_t old_size = table_size;
    table_size *= 2;
    table = calloc(table_size, sizeof *table);
    table_used = 0;
    for (size_t i = 0; i < old_size; i++) {
        if (!old[i].used) continue;
        /* re-insert without triggering another grow in the middle */
        struct flow *f = old + i;
        size_t mask = table_size - 1;
        uint8_t kb[13];
        memcpy(kb, &f->a_ip, 4); memcpy(kb + 4, &f->b_ip, 4); memcpy(kb + 8, &f->a_port, 2);
        memcpy(kb + 10, &f->b_port, 2); kb[12] = f->proto;
        size_t j = fnv1a(kb, sizeof kb) & mask;
        while (table[j].used) j = (j + 1) & mask;
        table[j] = *f;
        table_used++;
    }
    free(old);
}

static inline uint16_t be16(const u_char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const u_char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "loop") && strcmp(argv[1], "decode"))) {
        fprintf(stderr, "usage: %s loop|decode FILE\n", argv[0]);
        return 2;
    }
    int decode = strcmp(argv[1], "decode") == 0;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[2], err);
    if (!p) { fprintf(stderr, "%s\n", err); return 1; }
    static char buffer[1 << 20];
    setvbuf(pcap_file(p), buffer, _IOFBF, sizeof buffer);
    int dlt = pcap_datalink(p);
    if (decode) table = calloc(table_size, sizeof *table);

    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t frames = 0, bytes = 0, payload = 0, syns = 0, other = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        frames++;
        bytes += h->caplen;
        if (!decode) continue;
        if (dlt != DLT_EN10MB || h->caplen < 14) { other++; continue; }
        const u_char *q = d, *end = d + h->caplen;
        uint16_t type = be16(q + 12);
        q += 14;
        while ((type == 0x8100 || type == 0x88a8) && q + 4 <= end) { type = be16(q + 2); q += 4; }
        if (type != 0x0800 || q + 20 > end) { other++; continue; }
        unsigned ihl = (q[0] & 0x0f) * 4;
        if ((q[0] >> 4) != 4 || ihl < 20 || q + ihl > end) { other++; continue; }
        uint16_t total = be16(q + 2);
        uint8_t proto = q[9];
        uint32_t sip = be32(q + 12), dip = be32(q + 16);
        if ((be16(q + 6) & 0x1fff) != 0) { other++; continue; }  /* later fragment */
        const u_char *l4 = q + ihl;
        const u_char *ipend = q + total < end ? q + total : end;
        uint16_t sp = 0, dp = 0;
        if (proto == 6 && l4 + 20 <= ipend) {
            unsigned off = (l4[12] >> 4) * 4;
            sp = be16(l4); dp = be16(l4 + 2);
            if (l4[13] & 0x02) syns++;
            if (l4 + off <= ipend) payload += (uint64_t)(ipend - (l4 + off));
        } else if (proto == 17 && l4 + 8 <= ipend) {
            sp = be16(l4); dp = be16(l4 + 2);
        }
        struct flow *f = lookup(sip, dip, sp, dp, proto);
        f->frames++;
        f->bytes += h->caplen;
    }
    if (rc == -1) { fprintf(stderr, "%s\n", pcap_geterr(p)); return 1; }
    if (decode)
        fprintf(stderr, "frames %llu bytes %llu flows %zu tcp-payload %llu syns %llu other %llu\n",
                (unsigned long long)frames, (unsigned long long)bytes, table_used,
                (unsigned long long)payload, (unsigned long long)syns, (unsigned long long)other);
    else
        fprintf(stderr, "frames %llu bytes %llu\n", (unsigned long long)frames, (unsigned long long)bytes);
    pcap_close(p);
    return 0;
}
