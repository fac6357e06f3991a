# dial9 - flight recorder for Tokio processes.
#
#   make            build everything into build/
#   make test       unit tests (plain and ASan+UBSan) and, as root, integration tests
#   make unit       unit tests only (no root needed)
#   make targets    the Rust test programs (offline, Debian's tokio)
#   make matrix     the matrix program against three Tokio releases, every profile
#   make test-quick unit tests and the integration tests but the matrix
#   make demo       record a real Tokio server under load and show it (root)
#   make bench      benchmarks: print numbers, never fail on one
#   make fuzz       FUZZ_SECONDS=N: the libFuzzer harnesses, N seconds each
#   make deps       install missing Debian packages
#   make install    PREFIX=/usr/local DESTDIR=
#   V=1             verbose
.DELETE_ON_ERROR:
.SECONDARY:

BUILD      ?= build
OBJ        := $(BUILD)/obj
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
LLVM_STRIP ?= llvm-strip
CARGO      ?= cargo
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
PREFIX     ?= /usr/local
SAN        ?=

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes
CFLAGS  ?= -O2 -g
CFLAGS  += $(WARN) -std=gnu11 -D_GNU_SOURCE -Ibpf -Iuserspace -Itests/helpers -I$(BUILD) $(SAN) \
           -DDIAL9_BUILD_DIR='"$(abspath $(BUILD))"' -DDIAL9_SRC_DIR='"$(CURDIR)"'
LDLIBS  := -lbpf -ldw -ldebuginfod -lelf -liberty -lcapstone -lz
LDFLAGS += $(SAN)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(BUILD) -Ibpf

LIB_SRCS    := $(sort $(wildcard userspace/*.c))
LIB_OBJS    := $(LIB_SRCS:%.c=$(OBJ)/%.o)
LIB         := $(BUILD)/libdial9.a
BPF_SRCS    := $(sort $(wildcard bpf/*.bpf.c))
SKELS       := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)
DAEMON_SRCS := $(sort $(wildcard daemon/*.c))
DIAL9_SRCS  := $(sort $(wildcard tools/dial9/*.c))
CTL_SRCS    := $(sort $(wildcard tools/dial9ctl/*.c))
UNIT_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_SRCS  := $(sort $(wildcard tests/integration/test_*.c))
ITEST_BINS  := $(ITEST_SRCS:tests/integration/%.c=$(BUILD)/tests/%)
TEST_HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
TEST_HELPER_OBJS := $(TEST_HELPER_SRCS:%.c=$(OBJ)/%.o)

PROGS := $(BUILD)/dial9 $(BUILD)/dial9ctl $(if $(DAEMON_SRCS),$(BUILD)/dial9d)

.PHONY: all
all: $(PROGS)

# --- BPF: vmlinux.h -> .bpf.o -> .skel.h ------------------------------------
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,VMLINUX,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/dial9_event.h $(wildcard bpf/*.h) $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# --- user space --------------------------------------------------------------
$(OBJ)/%.o: %.c $(wildcard bpf/*.h userspace/*.h daemon/*.h tools/dial9/*.h tools/dial9ctl/*.h tests/helpers/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(DAEMON_SRCS:%.c=$(OBJ)/%.o): $(SKELS)

# The HTML report's template (tools/report/) inlined into dial9.
$(BUILD)/report_assets.h: tools/report/embed.sh $(wildcard tools/report/report.*) | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)tools/report/embed.sh tools/report > $@

$(OBJ)/tools/dial9/report.o: $(BUILD)/report_assets.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/dial9d: $(DAEMON_SRCS:%.c=$(OBJ)/%.o) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/dial9: $(DIAL9_SRCS:%.c=$(OBJ)/%.o) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lm -o $@

$(BUILD)/dial9ctl: $(CTL_SRCS:%.c=$(OBJ)/%.o) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -ljansson -o $@

$(BUILD):
	$(Q)mkdir -p $@

# --- tests -------------------------------------------------------------------
# Tests link the daemon's modules, the dial9 tool's (analysis, views) and
# dial9ctl's (the dump catalogue), all but their main(), and the library.
DAEMON_LIB_OBJS := $(filter-out $(OBJ)/daemon/main.o,$(DAEMON_SRCS:%.c=$(OBJ)/%.o))
DIAL9_VIEW_OBJS := $(filter-out %/main.o,$(DIAL9_SRCS:%.c=$(OBJ)/%.o))
CTL_LIB_OBJS    := $(filter-out %/main.o,$(CTL_SRCS:%.c=$(OBJ)/%.o))
$(OBJ)/tests/%.o: CFLAGS += -Idaemon -Itools/dial9 -Itools/dial9ctl

$(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(TEST_HELPER_OBJS) $(DAEMON_LIB_OBJS) $(DIAL9_VIEW_OBJS) \
		  $(CTL_LIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -ljansson -lcmocka -lm -o $@

$(ITEST_BINS): $(BUILD)/tests/%: $(OBJ)/tests/integration/%.o $(TEST_HELPER_OBJS) $(DAEMON_LIB_OBJS) \
			      $(DIAL9_VIEW_OBJS) $(CTL_LIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -ljansson -lcmocka -lm -o $@

.PHONY: targets matrix
targets:
	$(call msg,CARGO,tests/targets)
	$(Q)tests/targets/build.sh $(CURDIR)/build/targets

# tests/targets/matrix built against bookworm's, trixie's and forky's Tokio
# (the latter two downloaded into build/crates), in every build profile.
matrix:
	$(call msg,CARGO,tests/targets matrix)
	$(Q)tests/targets/build-matrix.sh $(CURDIR)/build/matrix

.PHONY: unit unit-plain unit-san test test-quick integration browser
unit-plain: $(UNIT_BINS) $(BUILD)/dial9
	$(Q)tests/run-tests.sh unit $(UNIT_BINS)

# The same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
unit-san:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN="$(SAN_FLAGS)" unit-plain

# dial9d under the same sanitizers, for the integration tests that try to
# break it (tests/integration/test_release.c).
.PHONY: san-daemon
san-daemon:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN="$(SAN_FLAGS)" $(BUILD)/san/dial9d

unit: unit-plain unit-san

integration: all $(ITEST_BINS) targets matrix san-daemon
	$(Q)tests/run-tests.sh integration $(ITEST_BINS)

# The inner loop: everything but the matrix (and no sanitizer build).
ITEST_QUICK_BINS := $(filter-out %/test_matrix,$(ITEST_BINS))
test-quick: unit-plain all $(ITEST_QUICK_BINS) targets san-daemon
	$(Q)if [ "$$(id -u)" -eq 0 ]; then tests/run-tests.sh integration $(ITEST_QUICK_BINS); fi

# The HTML report in a real headless browser (installs chromium if missing).
browser: all
	$(Q)tests/run-tests.sh browser tests/browser/run.sh

test:
	$(Q)rm -f build/test-tally
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)if [ "$$(id -u)" -eq 0 ]; then $(MAKE) --no-print-directory integration; \
	else echo "test: not root: integration tests (real uprobes) skipped"; fi
	$(Q)$(MAKE) --no-print-directory browser
	$(Q)tests/run-tests.sh total

# --- fuzzing (tests/fuzz/) ---------------------------------------------------
# libFuzzer harnesses built with clang-14 under ASan+UBSan in build/fuzz:
#   fuzz_dump      dial9_dump__read_mem, the analysis and every dial9 view
#   fuzz_ctl_proto dial9_ctl_request__parse
#   fuzz_config    dial9_config__parse
#   make fuzz FUZZ_SECONDS=N   run each for N seconds, two at a time; new inputs
#                              go to build/fuzz/corpus/<harness> (the committed
#                              tests/fuzz/corpus/ is only read), crashes to
#                              build/fuzz/artifacts/
#   make fuzz-replay           every committed input once, no fuzzing (in
#                              make unit, test, test-quick)
#   make fuzz-coverage         line coverage of userspace/dump.c by the corpus
FUZZ_CC      ?= clang-14
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := fuzz_dump fuzz_ctl_proto fuzz_config
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer

.PHONY: fuzz fuzz-build fuzz-bins fuzz-replay fuzz-coverage
# (inside the sub-make below, $(BUILD) is build/fuzz)
fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/%)

$(OBJ)/tests/fuzz/%.o: CFLAGS += -Itools/dial9
$(OBJ)/tests/fuzz/fuzz_dump.o: $(BUILD)/report_assets.h
$(BUILD)/fuzz_dump: $(OBJ)/tests/fuzz/fuzz_dump.o $(DIAL9_VIEW_OBJS) $(LIB)
$(BUILD)/fuzz_config: $(DAEMON_LIB_OBJS)
$(OBJ)/tests/fuzz/fuzz_config.o: CFLAGS += -Idaemon
$(FUZZ_NAMES:%=$(BUILD)/%): $(BUILD)/%: $(OBJ)/tests/fuzz/%.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer $(filter %.o,$^) $(filter %.a,$^) $(LDLIBS) -lm -o $@

fuzz-build:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SAN="$(FUZZ_SAN)" fuzz-bins

fuzz-replay: fuzz-build
	$(Q)FUZZ_BUILD=$(abspath $(FUZZ_BUILD)) tests/run-tests.sh fuzz tests/fuzz/replay.sh

fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh $(abspath $(FUZZ_BUILD)) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-coverage:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/fuzz-cov CC=$(FUZZ_CC) \
		SAN="-fsanitize=fuzzer-no-link -fprofile-instr-generate -fcoverage-mapping" \
		$(BUILD)/fuzz-cov/fuzz_dump
	$(Q)tests/fuzz/coverage.sh $(abspath $(BUILD)/fuzz-cov)

unit test-quick: fuzz-replay
# --- end of fuzzing -----------------------------------------------------------

.PHONY: demo
demo: all targets
	$(Q)tools/demo.sh

# The window on recorded data (tests/bench/window_bench.c), run by run.sh.
$(BUILD)/bench/window_bench: $(OBJ)/tests/bench/window_bench.o $(DAEMON_LIB_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

.PHONY: bench
bench: all targets $(BUILD)/bench/window_bench
	$(Q)tests/bench/run.sh $(abspath $(BUILD))
	$(Q)tests/bench/fidelity.sh $(abspath $(BUILD))

.PHONY: deps
deps:
	$(Q)tools/install-deps.sh

UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

$(BUILD)/dial9d.service: daemon/dial9d.service.in | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

.PHONY: install
install: all $(BUILD)/dial9d.service
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)/etc/dial9 $(DESTDIR)$(PREFIX)/share/doc/dial9
	install -m 0755 $(BUILD)/dial9 $(BUILD)/dial9ctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/dial9d $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(BUILD)/dial9d.service $(DESTDIR)$(UNITDIR)/dial9d.service
	test -e $(DESTDIR)/etc/dial9/dial9d.conf || \
		install -m 0644 daemon/dial9d.conf $(DESTDIR)/etc/dial9/dial9d.conf
	install -m 0644 README.md docs/*.md daemon/debuginfod.conf $(DESTDIR)$(PREFIX)/share/doc/dial9/

.PHONY: clean
clean:
	rm -rf $(BUILD)
