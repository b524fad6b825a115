#ifndef SOCKETSCOPE_CPCAP_SHIM_H
#define SOCKETSCOPE_CPCAP_SHIM_H
#include <pcap/pcap.h>
/* glibc's malloc tuning (mallopt), which the Glibc module does not export: the threaded pipeline uses it. */
#include <malloc.h>
#endif
