#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has the x86 SHA extensions (SHA-NI); 0 elsewhere.
int csha256_hardware_available(void);

/// Runs the SHA-256 compression function (FIPS 180-4 §6.2.2) over `blocks` 64-byte blocks at `data`, updating
/// `state` (a..h). Only call when `csha256_hardware_available()` returned 1.
void csha256_compress_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
