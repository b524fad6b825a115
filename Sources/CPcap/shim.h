#ifndef SOCKETSCOPE_CPCAP_SHIM_H
#define SOCKETSCOPE_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
